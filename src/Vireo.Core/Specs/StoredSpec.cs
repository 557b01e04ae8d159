using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Reads a spec vireod stored earlier (vms.spec_json, pending_spec_json). System.Text.Json's source generator sets
/// init-only properties in one object initializer, so a property missing from the stored JSON (one added to VmSpec
/// after the VM was stored, such as <c>boot.once</c> or <c>boot.firmware</c>) comes back null instead of its
/// default, and a VM defined by an older vireod could then neither be shown nor started. Every reference-typed
/// default of the spec is put back here; value-typed ones added later default to what their absence meant (false).
/// </summary>
public static class StoredSpec
{
    public static VmSpec Load(string json) =>
        Repair(JsonSerializer.Deserialize(json, VireoJsonContext.Default.VmSpec)
            ?? throw new JsonException("the stored definition is empty"));

    public static VmSpec Repair(VmSpec spec)
    {
        var defaults = new VmSpec { Name = spec.Name };
        var boot = spec.Boot ?? new BootSpec();
        return spec with
        {
            Machine = spec.Machine ?? defaults.Machine,
            Cpu = spec.Cpu ?? defaults.Cpu,
            Accel = spec.Accel ?? defaults.Accel,
            Boot = boot with
            {
                Order = boot.Order ?? [],
                Once = boot.Once ?? [],
                Firmware = boot.Firmware ?? new BootSpec().Firmware,
            },
            Disks = (spec.Disks ?? []).Select(d => d with { Device = d.Device ?? "disk" }).ToList(),
            Nics = (spec.Nics ?? []).Select(n => n with { Type = n.Type ?? "user", Model = n.Model ?? "virtio" }).ToList(),
            Graphics = spec.Graphics is null ? defaults.Graphics : spec.Graphics with { Type = spec.Graphics.Type ?? "vnc" },
            CloudInit = spec.CloudInit is null ? null : spec.CloudInit with
            {
                SshAuthorizedKeys = spec.CloudInit.SshAuthorizedKeys ?? [],
                Packages = spec.CloudInit.Packages ?? [],
            },
        };
    }
}
