namespace Vireo.Host.Uplink;

/// <summary>A conversion that passed its check and stays in place.</summary>
/// <param name="Elapsed">From the start of the apply to the end (check and persistence included).</param>
/// <param name="CheckLatency">From the end of the apply to the first answer through the bridge.</param>
/// <param name="PersistedTo">The main configuration file written for <c>--persist</c>; null when nothing was written.</param>
/// <param name="PersistNote">What the user must know about persistence (packages needed, or that the change is live only).</param>
public sealed record UplinkResult(TimeSpan Elapsed, TimeSpan CheckLatency, string? PersistedTo, string? PersistNote)
{
    /// <summary>How long the apply (one <c>ip -batch</c>) took: the window in which the NIC was off the network.</summary>
    public TimeSpan ApplyDuration { get; init; }

    /// <summary>How many check pings were sent until one was answered.</summary>
    public int CheckAttempts { get; init; }

    /// <summary>Every file <c>--persist</c> wrote, and the backups of the files it changed.</summary>
    public IReadOnlyList<string> PersistedFiles { get; init; } = [];
}
