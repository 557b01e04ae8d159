using System.Diagnostics;
using System.Text.Json;
using Vireo.Cli.Create;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary><c>--cloud-init</c>: parsing, files read by the CLI, and the password hashed here with libcrypt.</summary>
public sealed class CloudInitOptionTests : FakeDaemonTest
{
    private const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF37bbvZJNZyMsIEp301HcVg4l/GX4AcCxKGirYSfZ05 ops@laptop";

    [Theory]
    [InlineData("correct horse", "abcdefghijklmnop")]
    [InlineData("pässwörd ünïcode", "./0123456789ABCD")]
    [InlineData("x", "s")]
    public void Sha512_crypt_matches_openssl(string password, string salt) =>
        Assert.Equal(OpensslPasswd(password, salt), Sha512Crypt.Hash(password, salt));

    [Fact]
    public void A_fresh_hash_has_a_random_16_character_salt_and_verifies_with_openssl()
    {
        var a = Sha512Crypt.Hash("secret");
        var b = Sha512Crypt.Hash("secret");
        Assert.NotEqual(a, b);
        var salt = a.Split('$')[2];
        Assert.Matches("^[./0-9A-Za-z]{16}$", salt);
        Assert.Equal(OpensslPasswd("secret", salt), a);
        Assert.Matches(@"^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$", a);
    }

    [Fact]
    public void Keys_and_values_parse_and_files_are_read_relative_to_the_working_directory()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-ci-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "id.pub"), Ed25519 + "\n");
            File.WriteAllText(Path.Combine(dir.FullName, "ud.yaml"), "#cloud-config\nruncmd: [[ls]]\n");
            File.WriteAllText(Path.Combine(dir.FullName, "net.yaml"), "version: 2\n");
            var ci = CloudInitOption.Parse(
                ["user=ops,ssh-key=id.pub,hostname=web1,packages=\"nginx tomcat9\",packages=curl", $"ssh-key=\"{Ed25519}\",user-data=ud.yaml,network-config=net.yaml,password=pw"],
                dir.FullName, pw => "HASH(" + pw + ")")!;
            Assert.Equal(("ops", "web1", "HASH(pw)"), (ci.User, ci.Hostname, ci.PasswordHash));
            Assert.Equal([Ed25519, Ed25519], ci.SshAuthorizedKeys);
            Assert.Equal(["nginx", "tomcat9", "curl"], ci.Packages);
            Assert.Equal("#cloud-config\nruncmd: [[ls]]\n", ci.UserData);
            Assert.Equal("version: 2\n", ci.NetworkConfig);
            Assert.Null(CloudInitOption.Parse([], dir.FullName));
            Assert.NotNull(CloudInitOption.Parse(["on"], dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("user=ops,colour=red", "unknown key \"colour\"")]
    [InlineData("user=ops,user=root", "user is given twice")]
    [InlineData("ssh-key=/nonexistent/id.pub", "ssh-key file /nonexistent/id.pub does not exist")]
    [InlineData("user-data=/nonexistent/ud", "user-data file /nonexistent/ud does not exist")]
    [InlineData("ops", "has no key")]
    public void Bad_items_are_usage_errors(string value, string fragment)
    {
        var e = Assert.Throws<CliUsageException>(() => CloudInitOption.Parse([value], "/"));
        Assert.Contains(fragment, e.Message);
        Assert.Contains("Accepted keys:", e.Message);
    }

    [Fact]
    public void A_password_is_never_quoted_back_in_a_message()
    {
        var e = Assert.Throws<CliUsageException>(() => CloudInitOption.Parse(["password=hunter2,colour=red"], "/"));
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.Contains("password=***", e.Message);
        var malformed = Assert.Throws<CliUsageException>(() => CloudInitOption.Parse(["password='hunter2,,"], "/"));
        Assert.DoesNotContain("hunter2", malformed.Message);
    }

    [Fact]
    public async Task Create_sends_the_hash_and_never_the_password()
    {
        var result = await Vireo("create", "--name", "web1", "--disk", "path=/d.qcow2,format=qcow2",
            "--cloud-init", $"user=ops,ssh-key=\"{Ed25519}\",password=Sup3r-Secret!,hostname=web1");
        Assert.Equal(0, result.ExitCode);
        var post = Assert.Single(Sent(), r => r.Method == "POST");
        Assert.DoesNotContain("Sup3r-Secret!", post.Body);
        var spec = JsonSerializer.Deserialize(post.Body, VireoJsonContext.Default.VmSpec)!;
        Assert.Equal(("ops", "web1"), (spec.CloudInit!.User, spec.CloudInit.Hostname));
        var hash = spec.CloudInit.PasswordHash!;
        Assert.Equal(OpensslPasswd("Sup3r-Secret!", hash.Split('$')[2]), hash);
        Assert.Contains("\"cloud_init\"", post.Body);
        Assert.Contains("\"ssh_authorized_keys\"", post.Body);
    }

    [Fact]
    public async Task A_private_key_file_is_refused_before_anything_is_sent()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-ci-");
        try
        {
            var key = Path.Combine(dir.FullName, "id_ed25519");
            File.WriteAllText(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
            var result = await Vireo("create", "--name", "web1", "--disk", "path=/d.qcow2,format=qcow2", "--cloud-init", $"user=ops,ssh-key={key}");
            Assert.Equal(2, result.ExitCode);
            Assert.Contains("is a private key", result.Stderr);
            Assert.Contains($"{key}.pub", result.Stderr);
            Assert.DoesNotContain("b3BlbnNzaC1rZXktdjEAAAAA", result.Stderr);
            Assert.Empty(Sent());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Set_sends_the_new_cloud_init_settings()
    {
        var result = await Vireo("set", "web1", "--cloud-init", "hostname=web2,packages=nginx");
        var patch = Assert.Single(Sent(), r => r.Method == "PATCH");
        var settings = JsonSerializer.Deserialize(patch.Body, VireoJsonContext.Default.VmSettings)!;
        Assert.Equal("web2", settings.CloudInit!.Hostname);
        Assert.Equal(["nginx"], settings.CloudInit.Packages);
        Assert.Null(settings.Memory);
        _ = result;
    }

    private static string OpensslPasswd(string password, string salt)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardInput = true };
        // The password through stdin, as a user would keep it off the command line.
        foreach (var a in new[] { "passwd", "-6", "-salt", salt, "-stdin" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(password + "\n");
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}
