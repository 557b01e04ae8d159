using Vireo.Host.Network;
using Vireo.Host.Os;

namespace Vireo.Host.Tests.Network;

/// <summary>
/// A real, throwaway network namespace (<c>vht-XXXXXXXX</c>) and a runner that executes inside it. Deleting the
/// namespace takes its bridges, taps, veths and nftables tables with it; processes started in it must be ended first
/// (they would keep it alive).
/// </summary>
internal sealed class TestNamespace : IAsyncDisposable
{
    public static readonly ProcessCommandRunner Host = new();
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestNamespace(string name)
    {
        Name = name;
        Runner = new NetnsCommandRunner(name, Host);
    }

    public string Name { get; }
    public NetnsCommandRunner Runner { get; }

    public static async Task<TestNamespace> CreateAsync()
    {
        var name = "vht-" + Guid.NewGuid().ToString("N")[..8];
        var r = await Host.RunAsync("ip", ["netns", "add", name], Timeout, CancellationToken.None);
        Assert.True(r.Succeeded, $"ip netns add {name}: {r.FailureSummary}");
        var ns = new TestNamespace(name);
        await ns.RunOkAsync("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>Runs a command inside the namespace and asserts that it succeeded; returns stdout.</summary>
    public async Task<string> RunOkAsync(string program, params string[] args)
    {
        var r = await Runner.RunAsync(program, args, Timeout, CancellationToken.None);
        Assert.True(r.Succeeded, $"{program} {string.Join(' ', args)} in {Name}: {r.FailureSummary}\n{r.Stderr}");
        return r.Stdout;
    }

    public async ValueTask DisposeAsync()
    {
        var r = await Host.RunAsync("ip", ["netns", "del", Name], Timeout, CancellationToken.None);
        if (!r.Succeeded) throw new InvalidOperationException($"ip netns del {Name}: {r.FailureSummary}");
    }
}
