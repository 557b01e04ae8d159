using System.Text.Json;
using Vireo.Cli.Create;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class CreateCommandTests : FakeDaemonTest
{
    [Theory]
    [InlineData("--disk", "path=a.img,fromat=raw", "unknown key \"fromat\"", "Accepted keys:")]
    [InlineData("--boot", "kernel=/k,append=quiet", "unknown key \"append\"", "Accepted: kernel=PATH")]
    [InlineData("--network", "bridge", "bridge needs a name", "Accepted: network=NAME, bridge=BRIDGE, user, or none")]
    [InlineData("--graphics", "spice", "unknown item \"spice\"", "Accepted: vnc")]
    public async Task Malformed_flag_exits_2_with_the_message_and_sends_nothing(string flag, string value, string problem, string accepted)
    {
        var result = await Vireo("create", "--name", "a", flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: {flag} \"{value}\": {problem}", result.Stderr);
        Assert.Contains(accepted, result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.Empty(Sent());
    }

    [Fact]
    public async Task Unknown_on_crash_value_is_a_usage_error_before_anything_is_sent()
    {
        var result = await Vireo("create", "--name", "a", "--on-crash", "explode");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("explode", result.Stderr);
        Assert.Empty(Sent());
    }

    [Fact]
    public async Task Create_posts_a_json_spec_with_absolute_paths_and_the_flags_values()
    {
        var result = await CliRunner.RunAsync(Daemon.SocketPath,
        [
            "create", "--name", "web1", "--memory", "1024", "--vcpus", "2", "--disk", "path=disks/web1.qcow2,format=qcow2",
            "--disk", "path=../debian.iso,device=cdrom", "--boot", "cdrom,hd", "--network", "bridge=br0", "--network", "user,model=e1000e",
            "--graphics", "none", "--autostart", "--on-crash", "restart",
        ], cwd: "/srv/vms");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("VM 'web1' defined", result.Stdout);
        var post = Assert.Single(Sent(), r => r.Method == "POST");
        Assert.Equal("/v1/vms", post.PathAndQuery);
        Assert.StartsWith("application/json", post.ContentType);
        var spec = JsonSerializer.Deserialize(post.Body, VireoJsonContext.Default.VmSpec)!;
        Assert.Equal(("web1", 1024L, 2), (spec.Name, spec.Memory, spec.Vcpus));
        Assert.Equal("/srv/vms/disks/web1.qcow2", spec.Disks[0].Path);
        Assert.Equal(("/srv/debian.iso", "cdrom", "raw"), (spec.Disks[1].Path, spec.Disks[1].Device, spec.Disks[1].Format));
        Assert.Equal(["cdrom", "disk"], spec.Boot.Order);
        Assert.Equal([("bridge", "br0"), ("user", null)], spec.Nics.Select(n => (n.Type, n.Bridge)));
        Assert.Equal("e1000e", spec.Nics[1].Model);
        Assert.Equal("none", spec.Graphics.Type);
        Assert.True(spec.Autostart);
        Assert.Equal(OnCrash.Restart, spec.OnCrash);
        // Wire format: snake_case and kebab-case enum values, as the daemon reads them.
        Assert.Contains("\"on_crash\": \"restart\"", post.Body);
    }

    [Fact]
    public async Task Image_tiny_sets_only_the_image_and_start_starts_it()
    {
        var result = await Vireo("create", "--name", "tiny1", "--image", "tiny", "--start");

        Assert.Equal(0, result.ExitCode);
        // The changes only: a GET of the host (is tiny built? vireo create builds it at first use) comes first.
        var requests = Sent().Where(r => r.Method != "GET").ToList();
        var spec = JsonSerializer.Deserialize(requests[0].Body, VireoJsonContext.Default.VmSpec)!;
        Assert.Equal("tiny", spec.Image);
        Assert.Null(spec.Boot.Kernel);
        Assert.Empty(spec.Disks);
        // Like virt-install: one NIC on the network "default" unless told otherwise.
        var nic = Assert.Single(spec.Nics);
        Assert.Equal(("network", "default"), (nic.Type, nic.Network));
        Assert.Equal(("POST", "/v1/vms/tiny1/start"), (requests[1].Method, requests[1].PathAndQuery));
        Assert.Contains("VM 'tiny1' started, now running", result.Stdout);
    }

    [Fact]
    public void Network_none_gives_no_nic_and_cannot_be_mixed()
    {
        var spec = CreateSpecBuilder.Build(new CreateFlags { Name = "a", Image = "tiny", Networks = ["none"] }, "/");
        Assert.Empty(spec.Nics);
        var ex = Assert.Throws<CliUsageException>(() => CreateSpecBuilder.Build(new CreateFlags { Name = "a", Image = "tiny", Networks = ["none", "user"] }, "/"));
        Assert.Contains("--network none", ex.Message);
    }

    [Fact]
    public void Flags_not_given_keep_the_spec_defaults()
    {
        var spec = CreateSpecBuilder.Build(new CreateFlags { Name = "a", Boot = "kernel=/k" }, "/");
        var defaults = new VmSpec { Name = "a" };
        Assert.Equal((defaults.Memory, defaults.Vcpus, defaults.Graphics.Type, defaults.OnCrash), (spec.Memory, spec.Vcpus, spec.Graphics.Type, spec.OnCrash));
    }

    [Fact]
    public async Task Invalid_spec_refused_by_the_daemon_exits_2_with_every_field_error_on_its_own_line()
    {
        Daemon.Fail("POST /v1/vms", 400, new ApiError
        {
            Status = 400, Code = ErrorCodes.Invalid, Title = "Invalid VM spec", Detail = "the VM spec has 2 problems",
            Errors =
            [
                new FieldError { Field = "disks[0].format", Value = "vmdk", Message = "must be raw or qcow2" },
                new FieldError { Field = "memory", Value = "8", Message = "must be at least 16 MiB" },
            ],
        });

        var result = await Vireo("create", "--name", "a", "--image", "tiny", "--memory", "8");

        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("error: the VM spec has 2 problems", lines[0]);
        Assert.Equal("  disks[0].format: \"vmdk\" must be raw or qcow2", lines[1]);
        Assert.Equal("  memory: \"8\" must be at least 16 MiB", lines[2]);
    }

    [Theory]
    [InlineData("--os")]
    [InlineData("--os-variant")]
    [InlineData("--osinfo")]
    public async Task Os_and_its_virt_install_aliases_leave_memory_firmware_and_nic_model_to_vireod(string flag)
    {
        var result = await Vireo("create", "--name", "web1", flag, "name=debian12", "--disk", "vol=default/web1.qcow2", "--import");

        Assert.Equal(0, result.ExitCode);
        var post = Assert.Single(Sent(), r => r.Method == "POST");
        using var json = JsonDocument.Parse(post.Body);
        var root = json.RootElement;
        Assert.Equal("debian12", root.GetProperty("os").GetString());
        Assert.False(root.TryGetProperty("memory", out _), post.Body);
        Assert.False(root.GetProperty("boot").TryGetProperty("firmware", out _), post.Body);
        Assert.False(root.GetProperty("nics")[0].TryGetProperty("model", out _), post.Body);
        Assert.False(root.GetProperty("disks")[0].TryGetProperty("bus", out _), post.Body);
        Assert.Equal("disk", root.GetProperty("boot").GetProperty("order")[0].GetString());
    }

    [Fact]
    public void Flags_that_are_given_are_sent_even_with_an_os()
    {
        var plan = CreateSpecBuilder.Plan(new CreateFlags
        {
            Name = "w", Os = "win2k22", Memory = 4096, Boot = "uefi", Disks = ["size=80G,bus=virtio"], Networks = ["bridge=br0,model=virtio", "user"],
        }, "/");
        using var json = JsonDocument.Parse(CreateRequest.Json(plan));
        var root = json.RootElement;
        Assert.Equal(4096, root.GetProperty("memory").GetInt64());
        Assert.Equal("uefi", root.GetProperty("boot").GetProperty("firmware").GetString());
        Assert.Equal("virtio", root.GetProperty("nics")[0].GetProperty("model").GetString());
        Assert.False(root.GetProperty("nics")[1].TryGetProperty("model", out _));
        Assert.Equal("virtio", root.GetProperty("disks")[0].GetProperty("bus").GetString());
        var volume = Assert.Single(plan.NewVolumes);
        Assert.Equal(("default/w-disk0.qcow2", "80G"), (volume.Reference, volume.Size));
    }

    [Fact]
    public void Cdrom_boots_the_installer_once_then_the_disk_and_pxe_puts_the_network_first()
    {
        var iso = Path.Combine(Path.GetTempPath(), $"vireo-cdrom-{Guid.NewGuid():N}.iso");
        File.WriteAllBytes(iso, new byte[2048]);
        try
        {
            var install = CreateSpecBuilder.Build(new CreateFlags { Name = "i", Disks = ["size=default"], Os = "debian12", Cdrom = iso }, "/");
            Assert.Equal(["cdrom"], install.Boot.Once);
            Assert.Equal(["disk"], install.Boot.Order);
            Assert.Equal((iso, "cdrom", "raw", true), (install.Disks[1].Path, install.Disks[1].Device, install.Disks[1].Format, install.Disks[1].Readonly));
            var live = CreateSpecBuilder.Build(new CreateFlags { Name = "l", Disks = ["none"], Cdrom = iso }, "/");
            Assert.Empty(live.Boot.Once);
            Assert.Equal(["cdrom"], live.Boot.Order);
        }
        finally
        {
            File.Delete(iso);
        }
        var pxe = CreateSpecBuilder.Build(new CreateFlags { Name = "p", Disks = ["size=8G"], Pxe = true }, "/");
        Assert.Equal(["network", "disk"], pxe.Boot.Order);
    }

    [Theory]
    [InlineData(new[] { "--disk", "none" }, "nothing to boot")]
    [InlineData(new[] { "--disk", "size=0" }, "size must be above 0: give e.g. size=20G")]
    [InlineData(new[] { "--import" }, "--import boots the first disk, and there is none")]
    [InlineData(new[] { "--pxe", "--network", "none", "--disk", "size=1G" }, "--pxe boots from the network, but --network none")]
    [InlineData(new[] { "--cdrom", "/nonexistent/x.iso", "--disk", "size=1G" }, "--cdrom \"/nonexistent/x.iso\": there is no file")]
    [InlineData(new[] { "--disk", "size=default" }, "add --os ID")]
    [InlineData(new[] { "--image", "tiny", "--osinfo", "detect=on" }, "Vireo cannot detect the OS from install media")]
    [InlineData(new[] { "--image", "tiny", "--boot", "secure_boot=on" }, "secure_boot=on needs UEFI")]
    [InlineData(new[] { "--disk", "none", "--disk", "size=1G" }, "--disk none means no disk at all")]
    public async Task Missing_or_contradicting_choices_exit_2_saying_what_to_add_and_send_nothing(string[] flags, string message)
    {
        var result = await Vireo(["create", "--name", "a", .. flags]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Empty(Sent());
    }
}
