using System.Diagnostics;
using Vireo.Contracts;
using Vireo.Core.CloudInit;
using Vireo.Host.Os;
using static Vireo.Core.Tests.CloudInit.CloudInitRulesTests;

namespace Vireo.Core.Tests.CloudInit;

/// <summary>Seed rendering (goldens) and the real ISO build with genisoimage, read back with isoinfo and xorriso.</summary>
public class CloudInitSeedTests
{
    [Fact]
    public void Generated_user_data_golden()
    {
        var ci = new CloudInitSpec
        {
            User = "ops",
            SshAuthorizedKeys = [Ed25519],
            PasswordHash = Hash,
            Hostname = "web1.example.com",
            Packages = ["nginx", "tomcat9"],
        };
        Assert.Equal(
            $$"""
            #cloud-config
            hostname: "web1"
            fqdn: "web1.example.com"
            preserve_hostname: false
            users:
            - name: "ops"
              gecos: "ops"
              groups: "sudo"
              sudo: "ALL=(ALL) NOPASSWD:ALL"
              shell: "/bin/bash"
              lock_passwd: false
              hashed_passwd: "{{Hash}}"
              ssh_authorized_keys:
              - "{{Ed25519}}"
            ssh_pwauth: true
            packages:
            - "nginx"
            - "tomcat9"
            package_update: true

            """.Replace("\r\n", "\n"), CloudInitSeed.RenderUserData(ci, "vm-a"));
    }

    [Fact]
    public void Without_a_password_the_user_is_locked_and_password_login_untouched()
    {
        var text = CloudInitSeed.RenderUserData(new CloudInitSpec { User = "ops", SshAuthorizedKeys = [Ed25519] }, "web1");
        Assert.Contains("lock_passwd: true", text);
        Assert.DoesNotContain("hashed_passwd", text);
        Assert.DoesNotContain("ssh_pwauth", text);
        Assert.Contains("hostname: \"web1\"", text);
        Assert.DoesNotContain("fqdn", text);
    }

    [Fact]
    public void Defaults_take_the_host_name_from_the_vm_name() =>
        Assert.Equal("#cloud-config\nhostname: \"db-1\"\npreserve_hostname: false\n", CloudInitSeed.RenderUserData(new CloudInitSpec(), "db_1"));

    [Fact]
    public void Keys_without_a_user_go_to_the_default_user() =>
        Assert.Contains($"ssh_authorized_keys:\n- \"{Ed25519}\"", CloudInitSeed.RenderUserData(new CloudInitSpec { SshAuthorizedKeys = [Ed25519] }, "a"));

    [Fact]
    public void Fields_merge_into_user_data_lists_appended_scalars_replaced()
    {
        var ci = new CloudInitSpec
        {
            User = "ops",
            Hostname = "web1",
            Packages = ["nginx"],
            UserData = "#cloud-config\nhostname: old\nusers:\n  - default\npackages: [curl]\nruncmd:\n  - [touch, /tmp/x]\n",
        };
        var root = CloudInitRules.ParseMapping(CloudInitSeed.RenderUserData(ci, "a"))!;
        Assert.Equal("web1", root["hostname"].ToString());
        Assert.Equal(["default", "ops"], ((YamlDotNet.RepresentationModel.YamlSequenceNode)root["users"]).Select(n =>
            n is YamlDotNet.RepresentationModel.YamlMappingNode m ? m["name"].ToString() : n.ToString()));
        Assert.Equal(["curl", "nginx"], ((YamlDotNet.RepresentationModel.YamlSequenceNode)root["packages"]).Select(n => n.ToString()));
        Assert.True(root.Children.ContainsKey("runcmd"));
        // user_data's own host name stays when the field is not given.
        var kept = CloudInitSeed.RenderUserData(new CloudInitSpec { UserData = "#cloud-config\nhostname: mine\n" }, "vm");
        Assert.Contains("hostname: mine", kept);
        Assert.DoesNotContain("\"vm\"", kept);
    }

    [Fact]
    public void A_script_is_passed_through() =>
        Assert.Equal("#!/bin/sh\necho hi\n", CloudInitSeed.RenderUserData(new CloudInitSpec { UserData = "#!/bin/sh\necho hi\n" }, "a"));

    [Fact]
    public void Yaml_1_1_booleans_stay_strings() =>
        // A package or user named like a YAML 1.1 boolean must reach cloud-init as text.
        Assert.Contains("- \"yes\"", CloudInitSeed.RenderUserData(new CloudInitSpec { Packages = ["yes"] }, "a"));

    [Fact]
    public void Meta_data_and_the_content_hash()
    {
        var ci = new CloudInitSpec { Hostname = "web1" };
        Assert.Equal("instance-id: iid-1\nlocal-hostname: web1\n", CloudInitSeed.RenderMetaData(ci, "x", "iid-1"));
        Assert.Matches("^iid-vireo-[0-9a-f]{16}$", CloudInitSeed.NewInstanceId());
        Assert.NotEqual(CloudInitSeed.NewInstanceId(), CloudInitSeed.NewInstanceId());
        Assert.Equal(CloudInitSeed.ContentHash(ci, "x"), CloudInitSeed.ContentHash(ci with { }, "x"));
        Assert.NotEqual(CloudInitSeed.ContentHash(ci, "x"), CloudInitSeed.ContentHash(ci with { Hostname = "web2" }, "x"));
        Assert.NotEqual(CloudInitSeed.ContentHash(ci, "x"), CloudInitSeed.ContentHash(ci with { NetworkConfig = "version: 2\n" }, "x"));
    }

    [Fact]
    public async Task The_seed_iso_is_labelled_cidata_holds_the_files_and_is_rebuilt_only_on_change()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-seed-");
        try
        {
            var iso = Path.Combine(dir.FullName, "cidata.iso");
            var ci = new CloudInitSpec { User = "ops", SshAuthorizedKeys = [Ed25519], Hostname = "web1", NetworkConfig = "version: 2\nethernets: {}\n" };
            var runner = new ProcessCommandRunner();
            Assert.True(await CloudInitSeed.EnsureAsync(ci, "web1", iso, runner, CancellationToken.None));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(iso));
            var info = Run("isoinfo", "-d", "-i", iso);
            Assert.Contains("Volume id: cidata", info);
            Assert.Contains("Joliet with UCS level", info);
            Assert.Contains("Rock Ridge signatures version", info);
            var first = Extract(iso, dir.FullName, "1");
            Assert.Equal(CloudInitSeed.RenderUserData(ci, "web1"), first["user-data"]);
            Assert.Equal("version: 2\nethernets: {}\n", first["network-config"]);
            Assert.Matches("^instance-id: iid-vireo-[0-9a-f]{16}\nlocal-hostname: web1\n$", first["meta-data"]);
            Assert.Equal(["cidata.iso", "cidata.iso.sha256"], Directory.GetFileSystemEntries(dir.FullName).Select(Path.GetFileName).Where(n => n!.StartsWith("cidata", StringComparison.Ordinal)).Order());

            // Same settings: left alone, same instance-id.
            Assert.False(await CloudInitSeed.EnsureAsync(ci with { }, "web1", iso, runner, CancellationToken.None));
            Assert.Equal(first["meta-data"], Extract(iso, dir.FullName, "2")["meta-data"]);

            // Changed: rebuilt with a fresh instance-id.
            Assert.True(await CloudInitSeed.EnsureAsync(ci with { Hostname = "web2" }, "web1", iso, runner, CancellationToken.None));
            var third = Extract(iso, dir.FullName, "3")["meta-data"];
            Assert.Contains("local-hostname: web2", third);
            Assert.NotEqual(first["meta-data"].Split('\n')[0], third.Split('\n')[0]);
            Assert.DoesNotContain(Directory.GetFileSystemEntries(dir.FullName), p => p.Contains(".tmp-", StringComparison.Ordinal) || Path.GetFileName(p).StartsWith(".cidata-", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static Dictionary<string, string> Extract(string iso, string dir, string tag)
    {
        var target = Path.Combine(dir, "x" + tag);
        Run("xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/", target);
        return Directory.GetFiles(target).ToDictionary(p => Path.GetFileName(p), File.ReadAllText);
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {stderr}");
        return stdout.Result;
    }
}
