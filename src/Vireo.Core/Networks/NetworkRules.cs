using Vireo.Contracts;
using Vireo.Core.Specs;

namespace Vireo.Core.Networks;

/// <summary>Validation of network definitions, forwards and reservations: every problem with field, value and fix.</summary>
public static class NetworkRules
{
    /// <summary>Linux interface names are at most 15 characters.</summary>
    public const int MaxInterfaceName = 15;

    /// <summary>The bridge Vireo creates for a nat/isolated network without an explicit one.</summary>
    public static string DefaultBridge(string network)
    {
        var candidate = $"vireo-{network}";
        if (candidate.Length <= MaxInterfaceName)
            return candidate;
        // Long names: a stable short form, unique per network name.
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(network));
        return $"vrbr{Convert.ToHexStringLower(hash)[..8]}";
    }

    public static List<FieldError> Validate(NetworkSpec spec)
    {
        var errors = new List<FieldError>();
        void Error(string field, string? value, string message) => errors.Add(new FieldError { Field = field, Value = value, Message = message });

        if (VmNameRules.Validate(spec.Name) is { } nameError)
            Error("name", spec.Name, nameError);
        switch (spec.Mode)
        {
            case NetworkMode.Nat or NetworkMode.Isolated:
                if (spec.Subnet is not null && Ipv4Subnet.TryParse(spec.Subnet, out var subnetError) is null)
                    Error("subnet", spec.Subnet, subnetError!);
                if (spec.Bridge is not null && LinuxInterfaceNames.Validate(spec.Bridge) is { } ownBridgeError)
                    Error("bridge", spec.Bridge, ownBridgeError);
                break;
            case NetworkMode.Bridge:
                if (spec.Bridge is null)
                    errors.Add(new FieldError
                    {
                        Field = "bridge",
                        Message = "is required: a bridge network attaches VMs to an existing host bridge, e.g. br0",
                        Hint = "Name it (vireo net create NAME --mode bridge --bridge br0); vireo net bridge-uplink creates one",
                    });
                else if (LinuxInterfaceNames.Validate(spec.Bridge) is { } bridgeError)
                    Error("bridge", spec.Bridge, bridgeError);
                if (spec.Subnet is not null)
                    Error("subnet", spec.Subnet, "does not apply to a bridge network: its addresses come from the LAN's DHCP");
                break;
            case NetworkMode.User:
                if (spec.Subnet is not null)
                    Error("subnet", spec.Subnet, "does not apply to a user-mode network (QEMU uses 10.0.2.0/24 inside each VM)");
                if (spec.Bridge is not null)
                    Error("bridge", spec.Bridge, "does not apply to a user-mode network");
                break;
        }
        if (spec.Domain is not null && !System.Text.RegularExpressions.Regex.IsMatch(spec.Domain, @"\A[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\z"))
            Error("domain", spec.Domain, "is not a DNS domain; use lower-case labels like vms.local");
        return errors;
    }

    /// <summary>Checks a port forward request in isolation (the registry checks conflicts and the VM).</summary>
    public static List<FieldError> Validate(PortForward forward)
    {
        var errors = new List<FieldError>();
        if (forward.Protocol is not ("tcp" or "udp"))
            errors.Add(new FieldError { Field = "proto", Value = forward.Protocol, Message = "is not tcp or udp" });
        if (forward.HostPort is < 1 or > 65535)
            errors.Add(new FieldError { Field = "host_port", Value = forward.HostPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Message = "must be 1-65535" });
        if (forward.GuestPort is < 1 or > 65535)
            errors.Add(new FieldError { Field = "guest_port", Value = forward.GuestPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Message = "must be 1-65535" });
        if (forward.HostAddress is not null && !Ipv4Subnet.TryParseAddress(forward.HostAddress, out _))
            errors.Add(new FieldError { Field = "host_address", Value = forward.HostAddress, Message = "is not an IPv4 address" });
        if (VmNameRules.Validate(forward.Vm) is { } vmError)
            errors.Add(new FieldError { Field = "vm", Value = forward.Vm, Message = vmError });
        return errors;
    }
}
