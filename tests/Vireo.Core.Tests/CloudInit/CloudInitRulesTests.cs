using Vireo.Contracts;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.CloudInit;

/// <summary>The cloud_init rules, through the spec validator and parser as vireod runs them.</summary>
public class CloudInitRulesTests
{
    internal const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF37bbvZJNZyMsIEp301HcVg4l/GX4AcCxKGirYSfZ05 ops@laptop";
    internal const string Ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBLiF3cbrsdRzUDlDuToCwfBD9MNhfdZ5KZv+AuvetRpw85FN3+grT4c8H/OVnWfIdRyvzsQVL6rEbeZ+q0xfBtQ= ec@x";
    internal const string Rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDuVoIWA8pItFsJIeMYqBG8se0f44ZB2kNPW2FcNt2nSSgHaNaVOsQIt+vnbIOKPHt+xUOuvlP+t4aRHQOzGj0QQAwIiB83LdESxjTaGVMjVcimI5SdUydO8yvMHnA4+YGqCWVQqyISMSBY/FFE9GFyDiiV18qXHKD2cmhKiInXTQ== rsa@x";
    /// <summary>openssl passwd -6 -salt abcdefghijklmnop 'correct horse'.</summary>
    internal const string Hash = "$6$abcdefghijklmnop$q2YZbPhm1LySTIzZVDisu/y2CX1McrFsw529ViOLMxoKT.sfgjBo4aFu.hwtGjEDxRb6mn/TZMj7V4/1AUTLi1";

    private static IReadOnlyList<FieldError> Errors(CloudInitSpec ci) =>
        VmSpecValidator.Validate(ValidSpec() with { CloudInit = ci }, Limits);

    [Fact]
    public void A_full_valid_setting_passes() =>
        Assert.Empty(Errors(new CloudInitSpec
        {
            User = "ops",
            SshAuthorizedKeys = [Ed25519, Ecdsa, Rsa],
            PasswordHash = Hash,
            Hostname = "web1.example.com",
            Packages = ["nginx", "tomcat9", "libc6-dev", "g++"],
            UserData = "#cloud-config\nruncmd:\n  - [touch, /tmp/x]\n",
            NetworkConfig = "version: 2\nethernets:\n  eth0:\n    dhcp4: true\n",
        }));

    [Fact]
    public void An_empty_setting_passes() => Assert.Empty(Errors(new CloudInitSpec()));

    [Theory]
    [InlineData("Ops", "is not a valid Linux user name")]
    [InlineData("9ops", "is not a valid Linux user name")]
    [InlineData("o ps", "is not a valid Linux user name")]
    [InlineData("abcdefghijklmnopqrstuvwxyzabcdefg", "up to 32")]
    [InlineData("root", "is the superuser")]
    public void User_must_be_a_linux_user_name(string user, string fragment)
    {
        var error = AssertError(Errors(new CloudInitSpec { User = user }), "cloud_init.user", fragment);
        Assert.Equal(user, error.Value);
        Assert.Contains("e.g. ops", error.Message);
    }

    [Theory]
    [InlineData("web_1")]
    [InlineData("-web")]
    [InlineData("web-")]
    [InlineData("web..example")]
    [InlineData("a.b.c.d.e.f.g.h.1234567890123456789012345678901234567890123456789012345678901234")]
    public void Hostname_follows_rfc_1123(string hostname) =>
        AssertError(Errors(new CloudInitSpec { Hostname = hostname }), "cloud_init.hostname", "RFC 1123");

    [Fact]
    public void Hostname_is_not_an_address() =>
        AssertError(Errors(new CloudInitSpec { Hostname = "10.0.0.1" }), "cloud_init.hostname", "IP address");

    [Theory]
    [InlineData("hunter2", "is not a SHA-512 crypt hash")]
    [InlineData("$1$abc$0123456789012345678901", "is not a SHA-512 crypt hash")]
    [InlineData("$5$abcdefgh$0123456789012345678901234567890123456789012", "openssl passwd -6")]
    public void Password_hash_must_be_sha512_crypt(string hash, string fragment) =>
        AssertError(Errors(new CloudInitSpec { User = "ops", PasswordHash = hash }), "cloud_init.password_hash", fragment);

    [Fact]
    public void Password_hash_needs_a_user() =>
        AssertError(Errors(new CloudInitSpec { PasswordHash = Hash }), "cloud_init.password_hash", "needs user");

    [Theory]
    [InlineData("not a key", "is not an OpenSSH public key")]
    [InlineData("ssh-ed25519", "is not an OpenSSH public key")]
    [InlineData("ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIF37bbvZJNZyMsIEp301HcVg4l", "is not an OpenSSH public key")]
    [InlineData("ssh-ed25519 !!!notbase64!!!", "not base64")]
    [InlineData("ssh-ed25519 AAAA", "too short")]
    // An RSA key's body under the ed25519 label.
    [InlineData("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQDuVoIWA8pItFsJIeMYqBG8se0f44ZB2kNPW2FcNt2nSSgHaNaVOsQIt+vnbIOKPHt+xUOuvlP+t4aRHQOzGj0QQAwIiB83LdESxjTaGVMjVcimI5SdUydO8yvMHnA4+YGqCWVQqyISMSBY/FFE9GFyDiiV18qXHKD2cmhKiInXTQ==", "embedded type differs")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF37bbvZJNZyMsIEp301HcVg4l/GX4AcCxKGirYSfZ05\nssh-rsa AAAA", "more than one line")]
    public void Ssh_keys_must_be_openssh_public_keys(string key, string fragment)
    {
        var error = AssertError(Errors(new CloudInitSpec { User = "ops", SshAuthorizedKeys = [Ed25519, key] }), "cloud_init.ssh_authorized_keys[1]", fragment);
        Assert.Contains(".pub", error.Message);
    }

    [Fact]
    public void A_private_key_is_refused_and_never_echoed()
    {
        var error = AssertError(Errors(new CloudInitSpec { SshAuthorizedKeys = ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----"] }),
            "cloud_init.ssh_authorized_keys[0]", "is a private key");
        Assert.Null(error.Value);
        Assert.DoesNotContain("b3Blbn", error.ToString());
    }

    [Theory]
    [InlineData("Nginx")]
    [InlineData("n")]
    [InlineData("nginx;rm")]
    [InlineData("-nginx")]
    [InlineData("nginx=1.22")]
    public void Packages_are_debian_package_names(string package) =>
        AssertError(Errors(new CloudInitSpec { Packages = ["curl", package] }), "cloud_init.packages[1]", "is not a Debian package name");

    [Fact]
    public void A_package_listed_twice_is_refused() =>
        AssertError(Errors(new CloudInitSpec { Packages = ["curl", "curl"] }), "cloud_init.packages[1]", "listed twice");

    [Theory]
    [InlineData("runcmd: [ls]\n", "does not start with #cloud-config")]
    [InlineData("#cloud-configx\n", "does not start with #cloud-config")]
    [InlineData("#cloud-config\nusers: [\n", "is not valid YAML at line")]
    [InlineData("#cloud-config\nkey: value\n  bad: indent\n", "is not valid YAML")]
    [InlineData("#cloud-config\n- a\n- b\n", "not a mapping")]
    [InlineData("#cloud-config\na: 1\n---\nb: 2\n", "2 YAML documents")]
    public void User_data_must_be_cloud_config_yaml(string userData, string fragment) =>
        AssertError(Errors(new CloudInitSpec { UserData = userData }), "cloud_init.user_data", fragment);

    [Fact]
    public void A_script_user_data_passes_alone_but_cannot_be_merged_with_fields()
    {
        Assert.Empty(Errors(new CloudInitSpec { UserData = "#!/bin/sh\necho hi\n", Hostname = "web1" }));
        AssertError(Errors(new CloudInitSpec { UserData = "#!/bin/sh\necho hi\n", User = "ops" }), "cloud_init.user_data", "is a script");
    }

    [Theory]
    [InlineData("version: 2\nethernets: [\n", "is not valid YAML")]
    [InlineData("ethernets: {}\n", "has no \"version: 2\"")]
    [InlineData("version: 3\n", "has no \"version: 2\"")]
    [InlineData("just text\n", "not a mapping")]
    public void Network_config_must_be_versioned_yaml(string config, string fragment) =>
        AssertError(Errors(new CloudInitSpec { NetworkConfig = config }), "cloud_init.network_config", fragment);

    [Fact]
    public void Network_config_may_be_wrapped_in_network() =>
        Assert.Empty(Errors(new CloudInitSpec { NetworkConfig = "network:\n  version: 2\n  ethernets: {}\n" }));

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = Errors(new CloudInitSpec { User = "Bad", Hostname = "x_y", SshAuthorizedKeys = ["nope"], UserData = "x: [" });
        Assert.Equal(["cloud_init.user", "cloud_init.hostname", "cloud_init.ssh_authorized_keys[0]", "cloud_init.user_data"], errors.Select(e => e.Field));
    }

    [Fact]
    public void The_yaml_spec_binds_writes_and_reads_back()
    {
        var yaml = Lines(
            "name: web1",
            "boot: {kernel: " + Kernel + "}",
            "cloud_init:",
            "  user: ops",
            "  ssh_authorized_keys:",
            "    - " + Ed25519,
            "  password_hash: '" + Hash + "'",
            "  hostname: web1",
            "  packages: [nginx, tomcat9]",
            "  user_data: |",
            "    #cloud-config",
            "    runcmd: [[touch, /tmp/x]]",
            "  network_config: \"version: 2\\n\"");
        var spec = ParseOk(yaml);
        var ci = spec.CloudInit!;
        Assert.Equal(("ops", "web1", Hash), (ci.User, ci.Hostname, ci.PasswordHash));
        Assert.Equal([Ed25519], ci.SshAuthorizedKeys);
        Assert.Equal(["nginx", "tomcat9"], ci.Packages);
        Assert.Equal("#cloud-config\nruncmd: [[touch, /tmp/x]]\n", ci.UserData);
        AssertSameSpec(spec, ParseOk(VmSpecWriter.ToYaml(spec)));
        // An empty mapping asks for a seed with the defaults, and survives the round trip.
        var empty = ParseOk("name: a\nboot: {kernel: /k}\ncloud_init: {}\n");
        Assert.NotNull(empty.CloudInit);
        Assert.NotNull(ParseOk(VmSpecWriter.ToYaml(empty)).CloudInit);
    }

    [Theory]
    [InlineData("cloud_init: {usr: ops}", "cloud_init.usr", "unknown field")]
    [InlineData("cloud_init: {packages: nginx}", "cloud_init.packages", "expected a list")]
    [InlineData("cloud_init: {user: 5}", "cloud_init.user", "not text")]
    [InlineData("cloud_init: [user]", "cloud_init", "expected a mapping")]
    public void Binding_errors_name_the_field(string line, string field, string fragment)
    {
        var result = VmSpecParser.Parse("name: a\nboot: {kernel: /k}\n" + line + "\n");
        AssertError(result.Errors, field, fragment);
    }
}
