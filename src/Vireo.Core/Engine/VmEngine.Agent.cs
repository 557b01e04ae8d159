using System.Net;
using Vireo.Contracts;

namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>Most seconds <c>GET /v1/vms/{name}/agent/ping</c> may wait.</summary>
    public const int MaxAgentPingSeconds = 300;

    /// <summary>Whether the VM's guest agent answers, and how fast (<c>GET /v1/vms/{name}/agent/ping</c>).</summary>
    public Task<AgentPingResult> AgentPingAsync(string name, int? timeoutSeconds, CancellationToken ct)
    {
        var seconds = timeoutSeconds ?? 5;
        if (seconds is < 1 or > MaxAgentPingSeconds)
            throw Errors.InvalidInputException.For("agent ping", [new FieldError { Field = "timeout", Value = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Message = $"must be between 1 and {MaxAgentPingSeconds} seconds" }]);
        return Find(name).AgentPingAsync(TimeSpan.FromSeconds(seconds), ct);
    }

    /// <summary>The agent's version and what it tells about the guest (<c>GET /v1/vms/{name}/agent/info</c>).</summary>
    public Task<AgentInfo> AgentInfoAsync(string name, CancellationToken ct) => Find(name).AgentInfoAsync(ct);

    /// <summary>Runs a program in the guest (<c>POST /v1/vms/{name}/agent/exec</c>).</summary>
    public Task<ExecResult> ExecAsync(string name, ExecRequest request, CancellationToken ct) => Find(name).ExecAsync(request, ct);

    /// <summary>Sets a guest user's password (<c>POST /v1/vms/{name}/agent/set-user-password</c>).</summary>
    public Task<ActionResult> SetUserPasswordAsync(string name, SetUserPasswordRequest request, CancellationToken ct) =>
        Find(name).SetUserPasswordAsync(request, ct);

    /// <summary>
    /// A VM's addresses: what the networks know (leases, ARP, reservations, user-mode), then what the guest agent
    /// reports for each NIC (source <c>agent</c>; loopback and IPv6 link-local left out), by NIC in spec order.
    /// A guest agent that does not answer within 2 s adds nothing.
    /// </summary>
    public async Task<IReadOnlyList<VmAddress>> AddressesAsync(string name, CancellationToken ct)
    {
        var vm = Find(name);
        var spec = vm.Spec;
        var known = _networks.AddressesAsync(spec, ct);
        var agent = vm.AgentInterfacesAsync(ct);
        var result = (await known).ToList();
        foreach (var nic in spec.Nics.Where(n => n.Mac is not null))
        {
            var label = result.FirstOrDefault(a => string.Equals(a.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase))?.Network
                ?? nic.Network ?? nic.Bridge ?? nic.Type;
            foreach (var i in (await agent).Where(i => string.Equals(i.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase)))
                foreach (var a in i.Addresses.Where(a => !IPAddress.Parse(a.Address).IsIPv6LinkLocal))
                    result.Add(new VmAddress { Mac = nic.Mac!, Network = label, Address = $"{a.Address}/{a.Prefix}", Source = "agent" });
        }
        var order = spec.Nics.Select(n => n.Mac?.ToLowerInvariant()).ToList();
        return [.. result.OrderBy(a => order.IndexOf(a.Mac.ToLowerInvariant()))];
    }
}
