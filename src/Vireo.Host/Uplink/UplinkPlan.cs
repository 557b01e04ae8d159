using System.Text;

namespace Vireo.Host.Uplink;

/// <summary>
/// Everything a NIC-to-bridge conversion will do, and undo, computed before anything changes. Made by
/// <see cref="UplinkPlanner"/>; carried out by <see cref="UplinkConverter"/>; shown by <c>--dry-run</c> through
/// <see cref="Describe"/>.
/// </summary>
public sealed class UplinkPlan
{
    internal UplinkPlan(UplinkRequest request, NicSnapshot before, IReadOnlyList<NicAddress> movedAddresses,
        IReadOnlyList<NicRoute> movedRoutes, string checkAddress, string checkSource)
    {
        Request = request;
        Before = before;
        MovedAddresses = movedAddresses;
        MovedRoutes = movedRoutes;
        CheckAddress = checkAddress;
        CheckSource = checkSource;
        Apply = IpBatch.Apply(before, request.Bridge, movedAddresses, movedRoutes);
        Rollback = IpBatch.Rollback(before, request.Bridge, movedAddresses, movedRoutes);
    }

    /// <summary>What was asked.</summary>
    public UplinkRequest Request { get; }

    /// <summary>The NIC as it was when the plan was made; a rollback must bring it back to exactly this.</summary>
    public NicSnapshot Before { get; }

    /// <summary>Addresses that move from the NIC to the bridge (all IPv4; IPv6 that is neither link-local nor autoconfigured).</summary>
    public IReadOnlyList<NicAddress> MovedAddresses { get; }

    /// <summary>Routes that move from the NIC to the bridge (all but the kernel's own and those with an expiry).</summary>
    public IReadOnlyList<NicRoute> MovedRoutes { get; }

    /// <summary>
    /// The <c>ip</c> commands that make the change (argv without the program name). Run as ONE <c>ip -batch</c>, so
    /// the NIC is off the network only for the milliseconds the batch takes.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> Apply { get; }

    /// <summary>The <c>ip</c> commands that undo it from any half-applied state; run as one <c>ip -force -batch</c>.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rollback { get; }

    /// <summary>The address that must answer through the bridge.</summary>
    public string CheckAddress { get; }

    /// <summary>Where <see cref="CheckAddress"/> comes from, e.g. <c>gateway of ens33's default route</c>.</summary>
    public string CheckSource { get; }

    /// <summary>
    /// Whether the check address answered through the NIC before any change (<see cref="UplinkPlanner.ProbeAsync"/>);
    /// null when not tried, as in a dry run, which sends nothing.
    /// </summary>
    public bool? CheckAnsweredBefore { get; internal set; }

    /// <summary>What <c>--persist</c> will write (or why it cannot); null when persistence was not asked for.</summary>
    public string? PersistAction { get; internal set; }

    /// <summary>Things the user should know (DHCP addresses, addresses left on the NIC...).</summary>
    public IReadOnlyList<string> Warnings { get; internal set; } = [];

    /// <summary>The IPv4 gateway of the NIC's default route in the main table (lowest metric); null when none.</summary>
    public string? DefaultGateway => MovedRoutes
        .Where(r => r.Family == "inet" && r.Destination == "default" && r.Table == "main" && r.Gateway is not null)
        .OrderBy(r => r.Metric ?? 0).FirstOrDefault()?.Gateway;

    /// <summary>The human text for <c>--dry-run</c>: numbered steps, the rollback, and the persistence action.</summary>
    public string Describe()
    {
        var (br, nic) = (Request.Bridge, Before.Name);
        var sb = new StringBuilder();
        sb.AppendLine($"Convert {nic} into a port of a new bridge {br}, live, in one `ip -batch` (the NIC is off the network for milliseconds):");
        var n = 0;
        sb.AppendLine($"  {++n}. create bridge {br} with {nic}'s MAC {Before.Mac} and MTU {Before.Mtu} (STP off, forward delay 0) and bring it up");
        sb.AppendLine($"  {++n}. make {nic} a port of {br}");
        foreach (var a in MovedAddresses)
            sb.AppendLine($"  {++n}. move address {a.Cidr}{(a.Dynamic ? " (from DHCP/autoconfiguration)" : "")} from {nic} to {br}");
        foreach (var r in MovedRoutes)
            sb.AppendLine($"  {++n}. move route {r.Describe()} from {nic} to {br}");
        sb.AppendLine($"  {++n}. check that {CheckAddress} ({CheckSource}) answers ping through {br}, for up to {Request.Timeout.TotalSeconds:0.#} s");
        if (CheckAnsweredBefore is { } answered)
            sb.AppendLine(answered
                ? $"     {CheckAddress} answered through {nic} before the change."
                : $"     WARNING: {CheckAddress} did not answer through {nic} even before the change; unless it starts answering, the check will fail and everything will be rolled back.");
        else
            sb.AppendLine($"     Not tried now: planning sends no packet. Before step 1 the real run pings {CheckAddress} once through {nic} " +
                          $"(answered or not, it goes on; the answer only explains a failed check), and after the change it pings through {br} until an answer or the timeout.");
        sb.AppendLine($"If the check fails, the apply fails, or the command is interrupted, everything is rolled back by itself:");
        sb.AppendLine($"  - {nic} leaves {br} and {br} is deleted");
        var restored = MovedAddresses.Count + MovedRoutes.Count;
        sb.AppendLine(restored == 0
            ? $"  - {nic} keeps its addresses and routes (none are moved)"
            : $"  - the {Count(MovedAddresses.Count, "address", "addresses")} and {Count(MovedRoutes.Count, "route", "routes")} above go back to {nic}");
        sb.AppendLine($"  - {nic} is compared with its state now (MAC, MTU, up, no master, every address and route); any difference is reported with the commands to fix it");
        sb.AppendLine(PersistAction is null
            ? $"Persistence: not requested; the bridge lasts until reboot (add --persist to also write the host's network configuration)."
            : $"Persistence: {PersistAction}");
        foreach (var w in Warnings) sb.AppendLine($"Note: {w}");
        sb.AppendLine("Commands (ip -batch):");
        foreach (var l in Apply) sb.AppendLine($"  {string.Join(' ', l)}");
        sb.AppendLine("Rollback (ip -force -batch):");
        foreach (var l in Rollback) sb.AppendLine($"  {string.Join(' ', l)}");
        return sb.ToString();
    }

    private static string Count(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";
}
