using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// A guest whose agent channel is hostile, through a real vireod: the tiny guest has no qemu-ga, so first the
/// channel is silent; then the guest itself floods its virtio port (a real hostile guest); then a FAKE peer the
/// test binds at the VM's agent socket path sends a 100 MB string (a lie a real guest could tell, produced on
/// demand). Each time `vireo agent ping` fails with a clear message within its timeout, and `vireo list` stays fast.
/// </summary>
public sealed class HostileAgentTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silent_flooding_or_lying_agent_costs_vireod_only_a_clear_error()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("hostile", "--disk", "size=32M", "--network", "user");

        // 1. Nothing in the guest opens the port: no answer to the sync. Meanwhile vireo list does not wait for it.
        var during = ListInBackground(h);
        var (ping, took) = await Timed(() => h.Vireo("agent", "ping", "hostile", "--timeout", "8"));
        Assert.Equal(1, ping.ExitCode);
        Assert.Contains("is not answering", ping.Stderr);
        Assert.Contains("did not answer", ping.Stderr);
        Assert.True(took >= TimeSpan.FromSeconds(2) && took < TimeSpan.FromSeconds(14), $"agent ping took {took}");
        var slowest = await during;
        Assert.True(slowest < TimeSpan.FromSeconds(4), $"vireo list took {slowest} while the agent was silent");
        var exec = await h.Vireo("exec", "hostile", "--", "true");
        Assert.Equal(1, exec.ExitCode);
        Assert.Contains("error: the guest agent of VM \"hostile\" did not answer", exec.Stderr);
        // A disk-only snapshot of a guest without an agent is still taken, and says what it is.
        var snap = await h.VireoOk("snapshot", "create", "hostile", "s1", "--disk-only");
        Assert.Contains("crash-consistent: the guest agent did not answer", snap.Stdout);
        // vireo ip still answers (nothing is known of a plain user NIC: exit 1), within the agent's 2 s, adding nothing.
        (var ip, took) = await Timed(() => h.Vireo("ip", "hostile"));
        Assert.True(ip.ExitCode == 1 && took < TimeSpan.FromSeconds(6), $"{ip} after {took}");
        Assert.DoesNotContain("agent", ip.Stdout);

        // 2. The guest floods its end of the channel with endless bytes (blocked until vireod connects).
        await h.VireoWithInput("(yes AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA > $(ls /dev/vport*p1 | head -n 1)) </dev/null >/dev/null 2>&1 &\necho FLOOD-$((40+2))\n",
            "console", "hostile", "--idle", "1");
        await h.WaitForSerialAsync("hostile", "FLOOD-42");
        during = ListInBackground(h);
        (ping, took) = await Timed(() => h.Vireo("agent", "ping", "hostile", "--timeout", "5"));
        Assert.Equal(1, ping.ExitCode);
        Assert.Contains("without answering the sync request (a flood of data)", ping.Stderr);
        Assert.True(took < TimeSpan.FromSeconds(10), $"agent ping took {took}");
        slowest = await during;
        Assert.True(slowest < TimeSpan.FromSeconds(4), $"vireo list took {slowest} while the agent flooded");

        // 3. A fake peer at the agent socket path: a 100 MB string.
        var vm = await h.Client().GetVmAsync("hostile");
        var socketPath = Path.Combine(h.StateDir, "vms", vm.Uuid, "agent.sock");
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(4);
        using var stop = new CancellationTokenSource();
        var liar = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var s = await listener.AcceptAsync(stop.Token);
                var buffer = new byte[4096];
                var text = "";
                while (!text.Contains('\n'))
                {
                    var n = await s.ReceiveAsync(buffer, stop.Token);
                    if (n == 0) break;
                    text += Encoding.Latin1.GetString(buffer, 0, n);
                }
                var id = System.Text.RegularExpressions.Regex.Match(text, "\"id\":(\\d+)").Groups[1].Value;
                byte[] sync = [0xFF, .. Encoding.ASCII.GetBytes($"{{\"return\": {id}}}\n")];
                await s.SendAsync(sync, stop.Token);
                await s.ReceiveAsync(buffer, stop.Token);
                try
                {
                    await s.SendAsync(Encoding.ASCII.GetBytes("{\"return\": \""), stop.Token);
                    var chunk = Encoding.ASCII.GetBytes(new string('B', 1024 * 1024));
                    for (var i = 0; i < 100; i++) await s.SendAsync(chunk, stop.Token);
                }
                catch (SocketException) { /* vireod hung up: what it should do */ }
            }
        });
        during = ListInBackground(h);
        (ping, took) = await Timed(() => h.Vireo("agent", "ping", "hostile", "--timeout", "5"));
        Assert.Equal(1, ping.ExitCode);
        Assert.Contains("sent an answer larger than 1048576 bytes", ping.Stderr);
        Assert.True(took < TimeSpan.FromSeconds(10), $"agent ping took {took}");
        Assert.True(await during < TimeSpan.FromSeconds(4), "vireo list was slow while the agent lied");
        await stop.CancelAsync();
        listener.Dispose();
        try { await liar; } catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    /// <summary>Runs `vireo list` 5 times while something else happens; the slowest run's time.</summary>
    private static Task<TimeSpan> ListInBackground(VireoHarness h) => Task.Run(async () =>
    {
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 5; i++)
        {
            var (list, took) = await Timed(() => h.Vireo("list"));
            Assert.Equal(0, list.ExitCode);
            if (took > slowest) slowest = took;
        }
        return slowest;
    });

    private static async Task<(CommandResult, TimeSpan)> Timed(Func<Task<CommandResult>> run)
    {
        var clock = Stopwatch.StartNew();
        var result = await run();
        return (result, clock.Elapsed);
    }
}
