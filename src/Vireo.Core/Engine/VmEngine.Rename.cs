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

    private static InvalidInputException TakenName(string newName) =>
        Invalid(new FieldError { Field = "name", Value = newName, Message = "is already a VM", Hint = "Choose another name, or undefine that VM first." });

    private static InvalidInputException Invalid(FieldError error) => new($"invalid rename: {error}", [error]);
}
