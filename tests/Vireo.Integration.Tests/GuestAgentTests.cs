using System.Diagnostics;
using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Skips a test only when the Debian image (scripts build it; CI always does) is not in the image cache.</summary>
public sealed class DebianImageFactAttribute : FactAttribute
{
    public static string Disk => Path.Combine(Repo.ImageDir, "debian-12", "disk.qcow2");

    public DebianImageFactAttribute()
    {
        if (!File.Exists(Path.Combine(Repo.ImageDir, "debian-12", "image.json")) || !File.Exists(Disk))
            Skip = $"the debian-12 image is not built ({Path.Combine(Repo.ImageDir, "debian-12")}): build it with vireo image build debian-12";
    }
}

/// <summary>
/// The real qemu-guest-agent in a real Debian 12 guest (one guest, booted once, for CI time): ping and info,
/// exec (output, exit codes, a timeout that kills, stdin), the agent's addresses in vireo ip, a disk-only snapshot
/// with frozen file systems, set-user-password, a vireod restart in between, and shutdown --mode agent.
/// </summary>
public sealed class GuestAgentTests(ITestOutputHelper output)
{
    [DebianImageFact]
    public async Task The_guest_agent_of_a_debian_guest_runs_commands_reports_addresses_freezes_and_powers_off()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var overlay = Path.Combine(h.StateDir, "deb-overlay.qcow2");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", DebianImageFactAttribute.Disk, overlay);
        await h.VireoOk("create", "--name", "deb", "--disk", $"path={overlay},format=qcow2", "--memory", "1024",
            "--network", "user", "--graphics", "none");
        var clock = Stopwatch.StartNew();
        await h.VireoOk("start", "deb");
        // About a minute on an idle 2-core machine (docs/guest-agent.md); far more when other builds load it.
        await WaitForAgentAsync(h, TimeSpan.FromSeconds(600));
        output.WriteLine($"the agent answered {clock.Elapsed.TotalSeconds:0.0} s after start");

        var info = await h.VireoOk("agent", "info", "deb");
        Assert.Contains("Debian GNU/Linux 12 (bookworm)", info.Stdout);
        Assert.Matches(@"Agent version: \d+\.\d+", info.Stdout);

        // vireod restarts: the VM is re-attached and its agent still answers through the same socket.
        await h.StopDaemonAsync();
        await h.StartDaemonAsync();
        await h.VireoOk("agent", "ping", "deb");

        var os = await h.VireoOk("exec", "deb", "--", "cat", "/etc/os-release");
        Assert.Contains("VERSION_ID=\"12\"", os.Stdout);
        var failing = await h.Vireo("exec", "deb", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, failing.ExitCode);
        Assert.Equal("out\n", failing.Stdout);
        Assert.Equal("err\n", failing.Stderr);
        var missing = await h.Vireo("exec", "deb", "--", "/no/such/program");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("error: the guest could not run '/no/such/program'", missing.Stderr);
        var json = await h.VireoOk("exec", "deb", "-o", "json", "--", "uname", "-s");
        using (var doc = JsonDocument.Parse(json.Stdout))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("exit_code").GetInt32());
            Assert.Equal("Linux\n", doc.RootElement.GetProperty("stdout").GetString());
            Assert.False(doc.RootElement.GetProperty("truncated").GetBoolean());
        }
        var echoed = await h.VireoWithInput("from stdin\n", "exec", "deb", "--input", "-", "--", "cat");
        Assert.Equal((0, "from stdin\n"), (echoed.ExitCode, echoed.Stdout));

        clock.Restart();
        var slow = await h.Vireo("exec", "deb", "--timeout", "3", "--", "sleep", "600");
        Assert.Equal(124, slow.ExitCode);
        Assert.Contains("ran past its timeout; it was killed in the guest", slow.Stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"exec --timeout 3 took {clock.Elapsed}");
        var sleeping = await h.VireoOk("exec", "deb", "--", "sh", "-c",
            "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = sleep ] && echo found; done; true");
        Assert.DoesNotContain("found", sleeping.Stdout);

        var ip = await h.VireoOk("ip", "deb");
        Assert.Matches(@"10\.0\.2\.15/24\s+agent", ip.Stdout);

        var snap = await h.VireoOk("snapshot", "create", "deb", "s1", "--disk-only");
        Assert.Matches(@"file systems frozen by the guest agent \(\d+\)", snap.Stdout);
        // Thawed afterwards: a write to the root file system completes.
        await h.VireoOk("exec", "deb", "--timeout", "20", "--", "sh", "-c", "echo thawed > /root/after-snapshot && sync");

        var before = await h.VireoOk("exec", "deb", "--", "sh", "-c", "getent shadow root | cut -d: -f2");
        await h.VireoWithInput("N3w-pass-word\n", "set-user-password", "deb", "root", "--password-stdin")
            .ContinueWith(t => Assert.Equal(0, t.Result.ExitCode));
        var after = await h.VireoOk("exec", "deb", "--", "sh", "-c", "getent shadow root | cut -d: -f2");
        Assert.StartsWith("$", after.Stdout);
        Assert.NotEqual(before.Stdout, after.Stdout);
        Assert.DoesNotContain("N3w-pass-word", h.DaemonLog);

        clock.Restart();
        await h.VireoOk("shutdown", "deb", "--mode", "agent", "--timeout", "120", "--no-force");
        output.WriteLine($"shutdown --mode agent took {clock.Elapsed.TotalSeconds:0.0} s");
        var list = await h.VireoOk("list", "--all");
        Assert.Matches(@"deb\s+stopped", list.Stdout);
        Assert.Empty(h.QemuPids());
    }

    private static async Task WaitForAgentAsync(VireoHarness h, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        CommandResult last;
        do
        {
            last = await h.Vireo("agent", "ping", "deb", "--timeout", "5");
            if (last.ExitCode == 0)
                return;
            await Task.Delay(2000);
        }
        while (DateTime.UtcNow < deadline);
        var serial = (await h.Client().GetVmAsync("deb")).SerialLog is { } path && File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
        throw new Xunit.Sdk.XunitException($"the guest agent did not answer within {limit}: {last}\nserial (end):\n{serial[Math.Max(0, serial.Length - 4000)..]}\n{h.DaemonLog}");
    }
}
