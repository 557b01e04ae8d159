using Vireo.Host.Os;

namespace Vireo.Host.Network;

/// <summary>
/// Runs every command inside the network namespace <see cref="Namespace"/> (<c>ip netns exec NS program args</c>),
/// so the plumbing classes can build a whole network in a throwaway namespace: links, nftables tables and /proc/sys/net
/// are all per namespace. <c>ip netns exec</c> also mounts a fresh sysfs, so reads of /sys/class/net made through
/// this runner see the namespace's interfaces. Still argv only, never a shell.
/// </summary>
public sealed class NetnsCommandRunner(string @namespace, ICommandRunner inner) : ICommandRunner
{
    /// <summary>The namespace the commands run in.</summary>
    public string Namespace { get; } = @namespace;

    /// <inheritdoc />
    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct) =>
        inner.RunAsync("ip", ["netns", "exec", Namespace, fileName, .. arguments], timeout, ct);
}
