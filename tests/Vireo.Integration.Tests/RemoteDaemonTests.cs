using System.Text.Json;
using Vireo.Client;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The CLI against a real vireod's TLS listener (127.0.0.1:8443 in the test's namespace): `vireo remote add` pins
/// the fingerprint vireod reports, a changed certificate is refused naming both, and missing or bad tokens get a
/// 401 with the fix. Lifecycle and console commands over TLS are LifecycleOverTlsTests and ConsoleOverTlsTests.
/// </summary>
public sealed class RemoteDaemonTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Remote_add_pins_vireods_fingerprint_and_a_changed_certificate_is_refused()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: true);
        var remotes = Path.Combine(h.ConfigHome, "vireo", "remotes.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(remotes));
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(remotes));
        string pinned = doc.RootElement.GetProperty("remotes").GetProperty("h").GetProperty("fingerprint").GetString()!;
        // The fingerprint vireod itself reports (GET /v1/host over the socket) is the one pinned.
        using (var local = h.Client())
        {
            var host = await local.GetHostAsync();
            Assert.Equal(pinned, host.TlsFingerprint);
        }

        var show = await h.VireoOk("remote", "show");
        Assert.Contains("Chosen by:    VIREO_CONNECT", show.Stdout);
        Assert.Contains(pinned, show.Stdout);
        var version = await h.VireoOk("version");
        Assert.Contains($"remote h ({VireoHarness.TlsUrl}/)", version.Stdout);

        // Another certificate (the operator's own, through the config file): refused, both fingerprints named.
        string cert = Path.Combine(h.StateDir, "other.crt"), key = Path.Combine(h.StateDir, "other.key");
        await ProcessRunner.RunOkAsync("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=other", "-addext", "subjectAltName=IP:127.0.0.1");
        var fp = await ProcessRunner.RunOkAsync("openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256");
        string other = TlsPinning.Normalize(fp.Stdout.Trim())!;
        Assert.NotEqual(pinned, other);
        string conf = Path.Combine(h.StateDir, "vireod.conf");
        await File.WriteAllTextAsync(conf, $"tls_cert = {cert}\ntls_key = {key}\n");
        await h.StopDaemonAsync();
        h.DaemonArguments.AddRange(["--config", conf]);
        await h.StartDaemonAsync();

        var refused = await h.Vireo("list");
        Assert.Equal(5, refused.ExitCode);
        Assert.Contains("has changed", refused.Stderr);
        Assert.Contains($"pinned SHA-256 fingerprint {pinned}", refused.Stderr);
        Assert.Contains($"presented {other}", refused.Stderr);
        Assert.Contains($"vireo remote add h {VireoHarness.TlsUrl} --fingerprint {other}", refused.Stderr);

        // The fix the message gives works.
        await h.VireoOk("remote", "remove", "h");
        await h.RunCliAsync(null, true, new Dictionary<string, string> { ["VIREO_CONNECT"] = "" },
            ["remote", "add", "h", VireoHarness.TlsUrl, "--fingerprint", other]);
        Assert.Contains("NAME", (await h.VireoOk("list", "--all")).Stdout);
    }

    [Fact]
    public async Task No_token_or_a_bad_one_is_a_clear_401_and_nothing_runs()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: true);
        TinyImage.EnsureBuilt();
        var none = await h.VireoWithEnv(new Dictionary<string, string> { ["VIREO_TOKEN"] = "" }, "create", "--name", "n1", "--image", "tiny");
        Assert.Equal(5, none.ExitCode);
        Assert.Contains("hint: remote h (https://127.0.0.1:8443/) needs a token: give one with --token or VIREO_TOKEN", none.Stderr);
        var bad = await h.VireoWithEnv(new Dictionary<string, string> { ["VIREO_TOKEN"] = h.Token![..^4] + "abcd" }, "list");
        Assert.Equal(5, bad.ExitCode);
        Assert.Contains("the token from VIREO_TOKEN was refused", bad.Stderr);
        using var local = h.Client();
        Assert.Empty(await local.ListVmsAsync());

        // A viewer's token over TLS: reading works, starting a VM is a 403 and the VM stays stopped.
        var viewer = await h.RunCliAsync(null, false, new Dictionary<string, string>(), ["token", "create", "--role", "viewer", "-o", "json"]);
        using (var doc = JsonDocument.Parse(viewer.Stdout))
        {
            string viewerToken = doc.RootElement.GetProperty("token").GetString()!;
            await h.VireoOk("create", "--name", "v1", "--image", "tiny", "--memory", "128");
            var viewerEnv = new Dictionary<string, string> { ["VIREO_TOKEN"] = viewerToken };
            Assert.Equal(0, (await h.VireoWithEnv(viewerEnv, "list", "--all")).ExitCode);
            var start = await h.VireoWithEnv(viewerEnv, "start", "v1");
            Assert.Equal(5, start.ExitCode);
            Assert.Contains("error: ", start.Stderr);
            Assert.Contains("hint: ", start.Stderr);
            Assert.Equal(Vireo.Contracts.VmState.Stopped, (await local.GetVmAsync("v1")).State);
            Assert.Empty(h.QemuPids());
        }

        // The same over --token, and a relative path or a host-side build is refused before anything is sent.
        Assert.Equal(0, (await h.Vireo("--token", h.Token, "list")).ExitCode);
        var build = await h.Vireo("image", "build", "tiny");
        Assert.Equal(2, build.ExitCode);
        Assert.Contains("only works on vireod's own host", build.Stderr);
    }

    [Fact]
    public async Task Logs_follow_streams_a_remote_guests_new_output_until_interrupted()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: true);
        await h.StartTinyAsync("f");
        var follow = h.RunCliAsync(null, true, new Dictionary<string, string>(), ["logs", "f", "--follow"], ["timeout", "--preserve-status", "-s", "INT", "25"]);
        await Task.Delay(TimeSpan.FromSeconds(6));
        // Computed by the guest: the typed line alone does not contain it.
        await h.VireoWithInput("echo follow-$((6*7)) > /dev/console\n", "console", "f");
        var followed = await follow;
        Assert.True(followed.ExitCode == 130, followed.ToString());
        Assert.Contains("VIREO-GUEST-READY", followed.Stdout);
        Assert.Contains("follow-42", followed.Stdout);
    }
}
