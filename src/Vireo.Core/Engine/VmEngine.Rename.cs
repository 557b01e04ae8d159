using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Persistence;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// Renames a stopped VM, like <c>virsh domrename</c>. One transaction renames its row and definition (the
    /// hostname on the kernel command line follows when it was the VM's name), its port forwards and its DHCP
    /// reservations; snapshots are keyed by UUID and follow by themselves. Volumes keep their names. The DHCP host
    /// entries then carry the new name. Bad or taken names are refused with nothing changed; so is a VM with a
    /// QEMU process.
    /// </summary>
    public async Task<VmInfo> RenameAsync(string name, RenameRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var vm = Find(name);
        CheckNewName(name, request.Name);
        await _defineLock.WaitAsync(ct);
        try
        {
            CheckNewName(name, request.Name);
            await vm.ExclusiveAsync(VmAction.Rename, async () =>
            {
                var spec = vm.Spec;
                var renamed = spec with
                {
                    Name = request.Name,
                    Boot = spec.Boot with { Cmdline = KernelCmdline.FollowName(spec.Boot.Cmdline, spec.Name, request.Name) },
                };
                var json = JsonSerializer.Serialize(renamed, VireoJsonContext.Default.VmSpec);
                await _networks.VmRenamedAsync(() =>
                {
                    try
                    {
                        if (!_ctx.Store.RenameVm(vm.Uuid, request.Name, json))
                            throw new NotFoundException("VM", name);
                    }
                    catch (DuplicateVmException)
                    {
                        throw TakenName(request.Name);
                    }
                    vm.TakeStoredSpec(renamed);
                    _vms[request.Name] = vm;
                    _vms.TryRemove(new KeyValuePair<string, VirtualMachine>(name, vm));
                }, ct);
                return true;
            }, ct);
            Log.LogInformation("VM {Name}: renamed to {NewName}", name, request.Name);
            Events.Publish(new VireoEvent { Type = EventTypes.VmUndefined, Vm = name, Message = $"renamed to \"{request.Name}\"" });
            Events.Publish(new VireoEvent { Type = EventTypes.VmDefined, Vm = request.Name, State = VmStateMachine.Describe(vm.State), Message = $"renamed from \"{name}\"" });
            return vm.Info();
        }
        finally
        {
            _defineLock.Release();
        }
    }

    private void CheckNewName(string name, string? newName)
    {
        if (VmNameRules.Validate(newName) is { } problem)
            throw Invalid(new FieldError { Field = "name", Value = newName, Message = problem });
        if (newName == name)
            throw Invalid(new FieldError { Field = "name", Value = newName, Message = "is already the VM's name", Hint = "Give a different name." });
        if (_vms.ContainsKey(newName!))
            throw TakenName(newName!);
    }

    /// <summary>A taken name is a conflict (exit 4), as for define and clone: the request is right, the name is in use.</summary>
    private static AlreadyExistsException TakenName(string newName) =>
        new($"a VM named \"{newName}\" already exists") { Hint = $"Choose another name, or remove that VM first: vireo undefine {newName}" };

    private static InvalidInputException Invalid(FieldError error) => InvalidInputException.For("rename", [error]);
}
