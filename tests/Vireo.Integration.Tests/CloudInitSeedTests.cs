using System.Text.Json;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The cloud-init seed through the real CLI and vireod: what the ISO holds, when it is rebuilt, that the password
/// never leaves the CLI in plain text, and bad input refused with nothing created. The guest is tiny (it ignores the
/// seed); the Debian guest that uses it is <see cref="FirstRealVmTests"/>.
/// </summary>
public sealed class CloudInitSeedTests(ITestOutputHelper output)
{
    private const string Password = "Plain-Text-Pw-4711";

    [Fact]
    public async Task The_seed_holds_the_settings_is_rebuilt_only_when_they_change_and_goes_with_the_vm()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var key = await KeyPairAsync(h.StateDir);
        var passwordFile = Path.Combine(h.StateDir, "pw");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");

        await h.VireoOk("create", "--name", "seedvm", "--image", "tiny", "--memory", "128", "--network", "none",
            "--cloud-init", $"user=ops,ssh-key={key}.pub,hostname=web1,password-file={passwordFile},packages=\"nginx curl\"");
        var info = await h.VireoOk("info", "seedvm");
        Assert.Contains("cloud-init seed", info.Stdout);
        using (var doc = JsonDocument.Parse((await h.VireoOk("info", "seedvm", "-o", "json")).Stdout))
            Assert.EndsWith("/cidata.iso", doc.RootElement.GetProperty("cloud_init_seed").GetString());
        var uuid = JsonDocument.Parse((await h.VireoOk("info", "seedvm", "-o", "json")).Stdout).RootElement.GetProperty("uuid").GetString()!;
        var vmDir = Path.Combine(h.StateDir, "vms", uuid);
        var iso = Path.Combine(vmDir, "cidata.iso");

        await h.VireoOk("start", "seedvm");
        await h.WaitForSerialAsync("seedvm", "VIREO-GUEST-READY");
        Assert.Contains("Volume id: cidata", (await ProcessRunner.RunOkAsync("isoinfo", "-d", "-i", iso)).Stdout);
        var first = await ExtractAsync(iso, Path.Combine(h.StateDir, "x1"));
        Assert.Equal(["meta-data", "user-data"], first.Keys.Order());
        var userData = first["user-data"];
        Assert.StartsWith("#cloud-config\n", userData);
        Assert.Contains("name: \"ops\"", userData);
        Assert.Contains("sudo: \"ALL=(ALL) NOPASSWD:ALL\"", userData);
        Assert.Contains((await File.ReadAllTextAsync(key + ".pub")).Trim(), userData);
        Assert.Matches("hashed_passwd: \"\\$6\\$[./0-9A-Za-z]{16}\\$", userData);
        Assert.Contains("lock_passwd: false", userData);
        Assert.Contains("- \"nginx\"", userData);
        Assert.Contains("hostname: \"web1\"", userData);
        Assert.Matches("^instance-id: iid-vireo-[0-9a-f]{16}\nlocal-hostname: web1\n$", first["meta-data"]);

        // QEMU has it as a read-only CD-ROM.
        var argv = string.Join(' ', LinuxProcess.TryReadCmdline(Assert.Single(h.QemuPids())) ?? []);
        Assert.Contains("\"filename\":\"" + iso + "\",\"node-name\":\"cidata-file\",\"read-only\":true", argv);
        Assert.Contains("ide-cd", argv);

        // A restart with the same settings keeps the instance-id (cloud-init does not run its first boot again).
        await h.VireoOk("destroy", "seedvm");
        await h.VireoOk("start", "seedvm");
        Assert.Equal(first["meta-data"], (await ExtractAsync(iso, Path.Combine(h.StateDir, "x2")))["meta-data"]);

        // Changed settings: stored, and the next start builds a new seed with a fresh instance-id.
        await h.VireoOk("destroy", "seedvm");
        var set = await h.VireoOk("set", "seedvm", "--cloud-init", $"user=ops,ssh-key={key}.pub,hostname=web2");
        Assert.Contains("cloud_init", set.Stdout);
        await h.VireoOk("start", "seedvm");
        var third = await ExtractAsync(iso, Path.Combine(h.StateDir, "x3"));
        Assert.Contains("local-hostname: web2", third["meta-data"]);
        Assert.NotEqual(first["meta-data"].Split('\n')[0], third["meta-data"].Split('\n')[0]);
        Assert.DoesNotContain("hashed_passwd", third["user-data"]);

        // The plaintext password is nowhere: not in the database, the spec, the seeds, the logs.
        await h.VireoOk("destroy", "seedvm");
        // Every file but the sockets and the daemon lock (which cannot be read).
        foreach (var file in Directory.EnumerateFiles(h.StateDir, "*", SearchOption.AllDirectories).Where(f => f != passwordFile && !f.EndsWith(".sock", StringComparison.Ordinal) && !f.EndsWith(".lock", StringComparison.Ordinal)))
            Assert.False((await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(Password)) >= 0, $"{file} holds the password");
        Assert.DoesNotContain(Password, h.DaemonLog);
        Assert.DoesNotContain(Password, (await h.VireoOk("dumpspec", "seedvm")).Stdout);

        await h.VireoOk("undefine", "seedvm");
        Assert.False(File.Exists(iso));
        Assert.False(Directory.Exists(vmDir));
    }

    [Fact]
    public async Task A_key_file_that_is_not_a_key_and_user_data_that_is_not_yaml_are_refused_with_nothing_created()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        var notAKey = Path.Combine(h.StateDir, "notakey.pub");
        await File.WriteAllTextAsync(notAKey, "hello, I am not a key\n");
        var badYaml = Path.Combine(h.StateDir, "user-data");
        await File.WriteAllTextAsync(badYaml, "#cloud-config\nusers:\n  - name: ops\n    groups: [sudo\n");

        var key = await h.Vireo("create", "--name", "bad1", "--image", "tiny", "--network", "none", "--cloud-init", $"user=ops,ssh-key={notAKey}");
        Assert.Equal(2, key.ExitCode);
        Assert.Contains("cloud_init.ssh_authorized_keys[0]", key.Stderr);
        Assert.Contains("is not an OpenSSH public key", key.Stderr);
        Assert.Contains("ssh-keygen", key.Stderr);

        var yaml = await h.Vireo("create", "--name", "bad2", "--image", "tiny", "--network", "none", "--cloud-init", $"user=ops,user-data={badYaml}");
        Assert.Equal(2, yaml.ExitCode);
        Assert.Contains("cloud_init.user_data", yaml.Stderr);
        Assert.Contains("is not valid YAML at line", yaml.Stderr);

        Assert.Equal("[]", (await h.VireoOk("list", "--all", "-o", "json")).Stdout.Trim());
        var vms = Path.Combine(h.StateDir, "vms");
        Assert.True(!Directory.Exists(vms) || Directory.GetFileSystemEntries(vms).Length == 0);
        Assert.Empty(h.QemuPids());
    }

    /// <summary>An ed25519 key pair made with ssh-keygen; returns the private key's path (the public one is PATH.pub).</summary>
    internal static async Task<string> KeyPairAsync(string dir)
    {
        var key = Path.Combine(dir, "id_ed25519");
        await ProcessRunner.RunOkAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ops@test", "-f", key);
        return key;
    }

    internal static async Task<Dictionary<string, string>> ExtractAsync(string iso, string target)
    {
        await ProcessRunner.RunOkAsync("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", target);
        return Directory.GetFiles(target).ToDictionary(p => Path.GetFileName(p), File.ReadAllText);
    }
}
