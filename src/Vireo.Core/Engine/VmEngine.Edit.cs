using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>
    /// The definition as YAML for editing: what the VM gets at its next start (its pending definition when it
    /// has one), and the revision to send back with the change.
    /// </summary>
    public (string Yaml, long Revision) GetDefinition(string name)
    {
        var vm = Find(name);
        return (VmSpecWriter.ToYaml(vm.Definition), vm.Revision);
    }

    /// <summary>The revision of a VM's definition (the API sends it as the ETag).</summary>
    public long RevisionOf(string name) => Find(name).Revision;

    /// <summary>
    /// Replaces a VM's definition with <paramref name="specText"/> (YAML or JSON), like <c>virsh define</c> over
    /// an existing domain but checked like a new one: every problem at once, nothing changed on any. The name and
    /// UUID cannot change here (rename has its own operation). See <see cref="VirtualMachine.EditAsync"/> for what
    /// a running VM takes live.
    /// </summary>
    public async Task<EditResult> EditAsync(string name, string specText, long? expectedRevision, bool dryRun, CancellationToken ct)
    {
        var vm = Find(name);
        var parsed = VmSpecParser.ParseAndValidate(specText, HostLimits());
        var errors = parsed.Errors.ToList();
        if (parsed.Spec is { } candidate)
            errors.AddRange(IdentityErrors(vm, candidate));
        if (parsed.Spec is null || errors.Count > 0)
            throw InvalidInputException.For("VM spec", errors);
        return await ApplyAsync(vm, parsed.Spec with { Uuid = vm.Uuid }, expectedRevision, dryRun, ct);
    }

    /// <summary>
    /// Changes single settings (<c>vireo set</c>): the definition with these fields replaced, checked and applied
    /// as an edit of the whole spec.
    /// </summary>
    public async Task<EditResult> SetAsync(string name, VmSettings settings, long? expectedRevision, bool dryRun, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var vm = Find(name);
        if (settings == new VmSettings())
            throw InvalidInputException.For("settings", [new FieldError
            {
                Field = "settings",
                Message = "name nothing to change",
                Hint = "Give at least one of vcpus, max_vcpus, memory, max_memory, autostart, on_crash, description, cloud_init.",
            }]);
        // The settings go on top of the definition as it is when the change is made, never on an older copy: the
        // revision read with it is checked under the VM's lock, and without If-Match a change made in between (by
        // another client) is read again and the settings applied on top of it, so neither change is lost.
        for (var attempt = 1; ; attempt++)
        {
            var (current, read) = vm.DefinitionAndRevision;
            if (expectedRevision is { } expected && expected != read)
                return await ApplyAsync(vm, current, expected, dryRun, ct); // stale: the engine says so (412)
            var desired = current with
            {
                Vcpus = settings.Vcpus ?? current.Vcpus,
                MaxVcpus = settings.MaxVcpus ?? current.MaxVcpus,
                Memory = settings.Memory ?? current.Memory,
                MaxMemory = settings.MaxMemory ?? current.MaxMemory,
                Autostart = settings.Autostart ?? current.Autostart,
                OnCrash = settings.OnCrash ?? current.OnCrash,
                Description = settings.Description is null ? current.Description : settings.Description.Length == 0 ? null : settings.Description,
                CloudInit = settings.CloudInit ?? current.CloudInit,
            };
            // A ceiling left as it was must not stop a change of what it bounds: raising vcpus or memory past a
            // max_* that the request does not touch raises the ceiling with it (for the next start).
            if (settings.MaxVcpus is null && desired.MaxVcpus is { } maxVcpus && desired.Vcpus > maxVcpus)
                desired = desired with { MaxVcpus = desired.Vcpus };
            if (settings.MaxMemory is null && desired.MaxMemory is { } maxMemory && desired.Memory > maxMemory)
                desired = desired with { MaxMemory = desired.Memory };
            var errors = VmSpecValidator.Validate(desired, HostLimits()).ToList();
            if (errors.Count > 0)
                throw InvalidInputException.For("settings", errors);
            try
            {
                return await ApplyAsync(vm, desired, read, dryRun, ct);
            }
            catch (StaleRevisionException) when (expectedRevision is null && attempt < 100)
            {
            }
        }
    }

    private async Task<EditResult> ApplyAsync(VirtualMachine vm, VmSpec desired, long? expectedRevision, bool dryRun, CancellationToken ct)
    {
        EditResult result;
        await _defineLock.WaitAsync(ct);
        try
        {
            // As at define: image boot files, MACs for new NICs, volumes to paths; then every rule once more.
            var spec = ResolveVolumes(Complete(desired));
            var errors = VmSpecValidator.Validate(spec, HostLimits()).Concat(CheckNics(spec)).Concat(CheckDiskOwners(spec)).ToList();
            if (errors.Count > 0)
                throw InvalidInputException.For("VM spec", errors);
            result = await vm.EditAsync(spec, expectedRevision, dryRun, ct);
        }
        finally
        {
            _defineLock.Release();
        }
        // DHCP host entries follow NICs (a MAC may have changed).
        if (!dryRun && result.Changes.Count > 0)
            await NetworksFollowAsync(ct);
        return result;
    }

    /// <summary>An edit keeps the VM's name and UUID: a rename is its own operation, and the UUID is its identity.</summary>
    private static IEnumerable<FieldError> IdentityErrors(VirtualMachine vm, VmSpec spec)
    {
        if (spec.Name != vm.Name)
            yield return new FieldError
            {
                Field = "name",
                Value = spec.Name,
                Message = $"differs from the VM's name \"{vm.Name}\"; an edit cannot rename a VM",
                Hint = $"Put back \"name: {vm.Name}\", and rename the stopped VM on its own: vireo rename {vm.Name} {spec.Name}",
            };
        if (spec.Uuid is not null && !string.Equals(spec.Uuid, vm.Uuid, StringComparison.OrdinalIgnoreCase))
            yield return new FieldError
            {
                Field = "uuid",
                Value = spec.Uuid,
                Message = $"differs from the VM's UUID {vm.Uuid}; a VM's UUID never changes",
                Hint = "Put the UUID back or leave the field out. For a second VM, clone this one.",
            };
    }
}
