using System.Net;
using System.Text.Json;
using Vireo.Client;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary><c>vireo edit</c> and <c>vireo set</c> through the built CLI and a real vireod, stopped and running.</summary>
public sealed class EditTests(ITestOutputHelper output)
{
    /// <summary>An editor for tests: a sed script run on the file, as $EDITOR would be.</summary>
    private static Dictionary<string, string> Editor(string sedScript) => new() { ["EDITOR"] = $"sed -i -e '{sedScript}'", ["VISUAL"] = "" };

    [Fact]
    public async Task A_stopped_VM_is_edited_set_and_refused_bad_edits_with_nothing_changed()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "ed", "--image", "tiny", "--memory", "128", "--network", "none");
        var revision = Revision(await h.VireoOk("info", "ed", "-o", "json"));

        // A valid edit: saved, and the changes are listed.
        var edited = await h.VireoWithEnv(Editor("s/^memory: 128MiB$/memory: 192MiB\\ndescription: edited by sed/"), "edit", "ed");
        Assert.True(edited.ExitCode == 0, edited.ToString());
        Matches(@"memory\s+128MiB\s+192MiB\s+saved", edited.Stdout);
        Matches(@"description\s+-\s+edited by sed\s+saved", edited.Stdout);
        Assert.Contains("VM ed: 2 changes saved.", edited.Stdout);
        var spec = (await h.VireoOk("dumpspec", "ed")).Stdout;
        Assert.Contains("memory: 192MiB", spec);
        Assert.Contains("description: edited by sed", spec);
        Assert.Equal(revision + 1, Revision(await h.VireoOk("info", "ed", "-o", "json")));

        // Invalid edits change nothing: every problem is listed, the text is kept, and without a terminal the exit is 2.
        async Task<string> State() => (await h.VireoOk("info", "ed", "-o", "json")).Stdout;
        var before = await State();
        foreach (var (sed, says) in new (string, string[])[]
        {
            ("s/^vcpus: 1$/vcpus: 0/; s/^memory: 192MiB$/memory: 10MiB/", ["vcpus", "at least 1 vCPU", "memory", "16 MiB minimum"]),
            ("s/^name: ed$/name: other/", ["name", "an edit cannot rename a VM", "vireo rename ed other"]),
            ("s/^vcpus: 1$/vcpus: [1/", ["not valid YAML", "line 5"]),
            ("s/^memory: 192MiB$/memory: 192MiB\\nmax_memory: 64MiB/", ["max_memory", "below memory"]),
            ("s/^vcpus: 1$/vcpus: 1\\ncpus: 2/", ["cpus", "vcpus"]),
        })
        {
            var refused = await h.VireoWithEnv(Editor(sed), "edit", "ed");
            Assert.True(refused.ExitCode == 2, $"{sed}: {refused}");
            foreach (var text in says)
                Assert.Contains(text, refused.Stderr);
            Assert.DoesNotContain("Unhandled", refused.Stderr);
            var kept = System.Text.RegularExpressions.Regex.Match(refused.Stderr, @"Your edit is saved in (\S+);").Groups[1].Value;
            Assert.True(File.Exists(kept), refused.Stderr);
            File.Delete(kept);
            Directory.Delete(Path.GetDirectoryName(kept)!);
            Assert.Equal(before, await State());
        }

        // Saved unchanged: nothing happens, the revision stays.
        var same = await h.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = "true", ["VISUAL"] = "" }, "edit", "ed");
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains("No changes", same.Stdout);
        Assert.Equal(before, await State());

        // A failing editor changes nothing and exits 1.
        var failing = await h.VireoWithEnv(new Dictionary<string, string> { ["EDITOR"] = "false", ["VISUAL"] = "" }, "edit", "ed");
        Assert.Equal(1, failing.ExitCode);
        Assert.Equal(before, await State());

        // vireo set: several settings at once; a dry run shows and changes nothing.
        var dry = await h.VireoOk("set", "ed", "--memory", "256M", "--dry-run");
        Matches(@"memory\s+192MiB\s+256MiB\s+would be saved", dry.Stdout);
        Assert.Contains("dry run: nothing changed", dry.Stdout);
        Assert.Equal(before, await State());
        var set = await h.VireoOk("set", "ed", "--vcpus", "2", "--autostart", "on", "--on-crash", "restart", "--description", "");
        Assert.Contains("4 changes saved", set.Stdout);
        var info = JsonDocument.Parse((await h.VireoOk("info", "ed", "-o", "json")).Stdout).RootElement.GetProperty("spec");
        Assert.Equal(2, info.GetProperty("vcpus").GetInt32());
        Assert.True(info.GetProperty("autostart").GetBoolean());
        Assert.Equal("restart", info.GetProperty("on_crash").GetString());
        Assert.False(info.TryGetProperty("description", out _));

        // Bad values of set: named, nothing changed.
        before = await State();
        foreach (var (args, code, says) in new (string[], int, string)[]
        {
            (["set", "ed", "--memory", "8"], 2, "memory"),
            (["set", "ed", "--vcpus", "abc"], 2, "--vcpus"),
            (["set", "ed", "--vcpus", "2", "--max-vcpus", "1"], 2, "max_vcpus"),
            (["set", "ed", "--memory", "100000G"], 2, "memory"),
            (["set", "ed"], 2, "nothing to change"),
            (["set", "ed", "--autostart", "maybe"], 2, "--autostart"),
            (["set", "nope", "--memory", "1G"], 3, "does not exist"),
        })
        {
            var refused = await h.Vireo(args);
            Assert.True(refused.ExitCode == code, $"vireo {string.Join(' ', args)}: {refused}");
            Assert.Contains(says, refused.Stderr);
            Assert.DoesNotContain("Unhandled", refused.Stderr);
        }
        Assert.Equal(before, await State());

        // The API's revision check: an edit made from an older revision is refused (412) and changes nothing.
        using var client = h.Client();
        var (yaml, current) = await client.GetDefinitionAsync("ed");
        Assert.Equal(Revision(before), current);
        await h.VireoOk("set", "ed", "--description", "second editor");
        var stale = await Assert.ThrowsAsync<VireoApiException>(() => client.EditSpecAsync("ed", yaml.Replace("vcpus: 2", "vcpus: 1", StringComparison.Ordinal), current));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal(ErrorCodes.Stale, stale.Error.Code);
        Assert.Contains("description: second editor", (await h.VireoOk("dumpspec", "ed")).Stdout);
        Assert.Contains("vcpus: 2", (await h.VireoOk("dumpspec", "ed")).Stdout);
        // With the revision it read, the second editor's change goes through.
        var (_, latest) = await client.GetDefinitionAsync("ed");
        var ok = await client.EditSpecAsync("ed", (await client.GetDefinitionAsync("ed")).Yaml.Replace("vcpus: 2", "vcpus: 1", StringComparison.Ordinal), latest);
        Assert.Equal(latest + 1, ok.Revision);

        // A rename grows the revision too, and the edited VM still starts.
        await h.VireoOk("rename", "ed", "ed2");
        Assert.Equal(latest + 2, Revision(await h.VireoOk("info", "ed2", "-o", "json")));
        await h.VireoOk("start", "ed2");
        await h.WaitForSerialAsync("ed2", "VIREO-GUEST-READY");
        await h.VireoOk("destroy", "ed2");
    }

    [Fact]
    public async Task A_running_VM_takes_memory_and_vCPUs_live_and_keeps_the_rest_pending_until_its_next_start()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "live", "--image", "tiny", "--memory", "256", "--network", "none");
        await h.VireoOk("set", "live", "--max-memory", "384M", "--max-vcpus", "2");
        await h.VireoOk("start", "live");
        await h.WaitForSerialAsync("live", "VIREO-GUEST-READY");
        var revision = Revision(await h.VireoOk("info", "live", "-o", "json"));

        // Memory through the balloon: the guest gives it back.
        var memory = await h.VireoOk("set", "live", "--memory", "160M");
        Matches(@"memory\s+256MiB\s+160MiB\s+live", memory.Stdout);
        await WaitForBalloonAsync(h, "live", 160);

        // A vCPU by hot-plug: the guest brings it online.
        var vcpus = await h.VireoOk("set", "live", "--vcpus", "2");
        Matches(@"vcpus\s+1\s+2\s+live", vcpus.Stdout);
        await WaitForOnlineAsync(h, "live", "0-1");

        // What QEMU cannot change live is pending: shown by info, applied at the next start.
        var pending = await h.VireoOk("set", "live", "--memory", "512M", "--description", "grown");
        Matches(@"memory\s+160MiB\s+512MiB\s+next start", pending.Stdout);
        Matches(@"description\s+-\s+grown\s+live", pending.Stdout);
        var info = await h.VireoOk("info", "live");
        Matches(@"Pending:\s+memory: 160MiB -> 512MiB \(at the next start\)", info.Stdout);
        Matches(@"max_memory: 384MiB -> 512MiB", info.Stdout);
        Assert.Contains("grown", info.Stdout);
        var json = JsonDocument.Parse((await h.VireoOk("info", "live", "-o", "json")).Stdout).RootElement;
        Assert.Equal(160, json.GetProperty("spec").GetProperty("memory").GetInt64());
        Assert.Equal(512, json.GetProperty("pending_spec").GetProperty("memory").GetInt64());
        Assert.Equal(revision + 3, json.GetProperty("revision").GetInt64());
        // The editor opens the definition the VM gets next, pending changes included.
        Assert.Contains("memory: 512MiB", (await h.VireoOk("dumpspec", "live")).Stdout);

        // A daemon restart keeps the pending definition.
        await h.KillDaemonAsync();
        await h.StartDaemonAsync();
        Matches(@"Pending:\s+memory: 160MiB -> 512MiB", (await h.VireoOk("info", "live")).Stdout);

        await h.VireoOk("destroy", "live");
        await h.VireoOk("start", "live");
        await h.WaitForSerialAsync("live", "VIREO-GUEST-READY", times: 2);
        var after = JsonDocument.Parse((await h.VireoOk("info", "live", "-o", "json")).Stdout).RootElement;
        Assert.Equal(512, after.GetProperty("spec").GetProperty("memory").GetInt64());
        Assert.Equal(2, after.GetProperty("spec").GetProperty("vcpus").GetInt32());
        Assert.False(after.TryGetProperty("pending_spec", out _));
        Assert.DoesNotContain("Pending", (await h.VireoOk("info", "live")).Stdout);
        await h.VireoOk("destroy", "live");
    }

    [Fact]
    public async Task A_memory_snapshot_taken_before_a_resize_reverts_with_its_own_memory_and_vCPUs_and_the_guest_resumes()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var disk = Path.Combine(h.StateDir, "snap.qcow2");
        var made = await ProcessRunner.RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "64M"]);
        Assert.True(made.ExitCode == 0, made.ToString());
        await h.VireoOk("create", "--name", "sn", "--image", "tiny", "--memory", "192", "--network", "none", "--disk", $"path={disk},format=qcow2");
        await h.VireoOk("set", "sn", "--max-memory", "256M", "--max-vcpus", "2");
        await h.VireoOk("start", "sn");
        await h.WaitForSerialAsync("sn", "VIREO-GUEST-READY");
        Assert.Contains("R=A", (await h.VireoWithInput("echo A > /tmp/marker; echo R=$(cat /tmp/marker)\n", "console", "sn")).Stdout);
        await h.VireoOk("snapshot", "create", "sn", "s1");

        // Resized after the snapshot: one more vCPU by hot-plug, less memory through the balloon.
        await h.VireoOk("set", "sn", "--vcpus", "2", "--memory", "160M");
        Assert.Contains("R=B", (await h.VireoWithInput("echo B > /tmp/marker; echo R=$(cat /tmp/marker)\n", "console", "sn")).Stdout);

        // The revert brings the guest back with the RAM and vCPUs it was saved with, and says so.
        var reverted = await h.VireoOk("snapshot", "revert", "sn", "s1");
        Assert.Contains("memory and vCPUs are back to the snapshot's (192MiB, 1 vCPU)", reverted.Stdout);
        var spec = JsonDocument.Parse((await h.VireoOk("info", "sn", "-o", "json")).Stdout).RootElement.GetProperty("spec");
        Assert.Equal((1, 192L), (spec.GetProperty("vcpus").GetInt32(), spec.GetProperty("memory").GetInt64()));
        Assert.Contains("R=A", (await h.VireoWithInput("echo R=$(cat /tmp/marker)\n", "console", "sn")).Stdout);
        Assert.Equal(1, VireoHarness.Count((await h.VireoOk("logs", "sn")).Stdout, "VIREO-GUEST-READY"));
        // And it can be resized live again.
        var again = await h.VireoOk("set", "sn", "--vcpus", "2");
        Matches(@"vcpus\s+1\s+2\s+live", again.Stdout);

        // A snapshot of the hot-plugged VM, reverted from stopped: QEMU starts with both vCPUs present and the
        // saved state (which holds the plugged one) loads into it.
        await WaitForOnlineAsync(h, "sn", "0-1");
        Assert.Contains("R=C", (await h.VireoWithInput("echo C > /tmp/marker; echo R=$(cat /tmp/marker)\n", "console", "sn")).Stdout);
        await h.VireoOk("snapshot", "create", "sn", "s2");
        await h.VireoOk("destroy", "sn");
        await h.VireoOk("snapshot", "revert", "sn", "s2");
        Assert.Contains("\"state\": \"running\"", (await h.VireoOk("info", "sn", "-o", "json")).Stdout);
        Assert.Contains("R=C", (await h.VireoWithInput("echo R=$(cat /tmp/marker)\n", "console", "sn")).Stdout);
        await WaitForOnlineAsync(h, "sn", "0-1");
        await h.VireoOk("destroy", "sn");
    }

    /// <summary>Waits until the guest's /sys/devices/system/cpu/online reads <paramref name="cpus"/>.</summary>
    private static async Task WaitForOnlineAsync(VireoHarness h, string vm, string cpus)
    {
        var online = "";
        for (var i = 0; i < 30 && !online.Contains($"CPUS={cpus}\r", StringComparison.Ordinal) && !online.Contains($"CPUS={cpus}\n", StringComparison.Ordinal); i++)
        {
            online = (await h.VireoWithInput("echo CPUS=$(cat /sys/devices/system/cpu/online)\n", "console", vm)).Stdout;
            await Task.Delay(500);
        }
        Assert.Matches($@"CPUS={cpus}\s", online);
    }

    private static async Task WaitForBalloonAsync(VireoHarness h, string vm, long mib)
    {
        long? actual = null;
        for (var i = 0; i < 60; i++)
        {
            var stats = JsonDocument.Parse((await h.VireoOk("domstats", vm, "-o", "json")).Stdout).RootElement;
            var memory = (stats.ValueKind == JsonValueKind.Array ? stats[0] : stats).GetProperty("memory");
            if (memory.TryGetProperty("balloon_actual_bytes", out var value))
                actual = value.GetInt64() / (1024 * 1024);
            if (actual == mib)
                return;
            await Task.Delay(500);
        }
        Assert.Fail($"the balloon of {vm} did not reach {mib} MiB (last: {actual?.ToString() ?? "none"} MiB)");
    }

    /// <summary>Assert.Matches that shows the whole text when it fails.</summary>
    private static void Matches(string pattern, string text) =>
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(text, pattern), $"/{pattern}/ not found in:\n{text}");

    private static long Revision(CommandResult info) => JsonDocument.Parse(info.Stdout).RootElement.GetProperty("revision").GetInt64();

    private static long Revision(string infoJson) => JsonDocument.Parse(infoJson).RootElement.GetProperty("revision").GetInt64();
}
