using Vireo.Contracts;

namespace Vireo.Daemon;

/// <summary>Runs the host validation for `vireo host check`.</summary>
internal static class HostCheck
{
    public static Task<HostCheckReport> RunAsync(string stateDir, CancellationToken ct) =>
        Vireo.Host.HostChecker.ForThisHost(stateDir).RunAsync(ct);
}
