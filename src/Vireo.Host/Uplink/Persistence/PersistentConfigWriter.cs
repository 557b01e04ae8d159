namespace Vireo.Host.Uplink.Persistence;

/// <summary>stub</summary>
public sealed class PersistentConfigWriter(string rootDir = "/", TimeProvider? clock = null)
{
    /// <summary>stub</summary>
    public string DescribeAction(UplinkPlan plan) => rootDir + clock;
    /// <summary>stub</summary>
    public Task<PersistOutcome> WriteAsync(UplinkPlan plan, CancellationToken ct) => Task.FromResult(new PersistOutcome(null, "", [], []));
}
/// <summary>stub</summary>
public sealed record PersistOutcome(string? MainFile, string Note, IReadOnlyList<string> Written, IReadOnlyList<string> Backups);
