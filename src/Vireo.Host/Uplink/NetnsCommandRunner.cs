using Vireo.Host.Os;

namespace Vireo.Host.Uplink;

/// <summary>
/// Runs every command inside network namespace <paramref name="ns"/> (<c>ip netns exec NS PROGRAM ARGS</c>).
/// <c>ip netns exec</c> also mounts a fresh sysfs, so /sys/class/net shows the namespace's interfaces: reads of
/// /sys made through this runner see the namespace, which is what lets tests run conversions on veths.
/// </summary>
public sealed class NetnsCommandRunner(string ns, ICommandRunner inner) : ICommandRunner
{
    /// <summary>The namespace commands run in.</summary>
    public string Namespace { get; } = ns;

    /// <inheritdoc />
    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var argv = new List<string>(arguments.Count + 4) { "netns", "exec", Namespace, fileName };
        argv.AddRange(arguments);
        return inner.RunAsync("ip", argv, timeout, ct);
    }
}
