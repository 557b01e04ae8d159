using Vireo.Cli.Create;

namespace Vireo.Cli.Tests;

public sealed class OptionParsingTests
{
    private const string Cwd = "/home/user/vms";

    [Fact]
    public void Disk_with_keys_becomes_a_disk_spec_with_an_absolute_path()
    {
        var disk = DiskOption.Parse("path=web.qcow2,format=qcow2,bus=scsi,readonly=on,serial=abc", Cwd);
        Assert.Equal("/home/user/vms/web.qcow2", disk.Path);
        Assert.Equal("qcow2", disk.Format);
        Assert.Equal("scsi", disk.Bus);
        Assert.Equal("disk", disk.Device);
        Assert.True(disk.Readonly);
        Assert.Equal("abc", disk.Serial);
    }

    [Fact]
    public void Disk_path_may_come_first_without_a_key_like_virt_install()
    {
        var disk = DiskOption.Parse("../images/a.img,format=raw", Cwd);
        Assert.Equal("/home/user/images/a.img", disk.Path);
        Assert.Equal("raw", disk.Format);
    }

    [Fact]
    public void Cdrom_defaults_to_raw_and_read_only()
    {
        var disk = DiskOption.Parse("path=/iso/debian.iso,device=cdrom", Cwd);
        Assert.Equal("cdrom", disk.Device);
        Assert.Equal("raw", disk.Format);
        Assert.True(disk.Readonly);
        Assert.Null(DiskOption.Parse("device=cdrom", Cwd).Path);
    }

    [Fact]
    public void Disk_size_makes_a_new_qcow2_volume_named_after_the_vm_in_the_default_pool()
    {
        var (spec, volumes) = CreateSpecBuilder.BuildWithVolumes(new CreateFlags
        {
            Name = "db1",
            Disks = ["size=20", "vol=fast/shared.raw,readonly=on", "size=512M,pool=fast,format=raw,cache=writeback"],
        }, Cwd);
        Assert.Equal(["default/db1-disk0.qcow2", "fast/shared.raw", "fast/db1-disk2.raw"], spec.Disks.Select(d => d.Volume));
        Assert.Equal("writeback", spec.Disks[2].Cache);
        Assert.Equal([("default", "db1-disk0.qcow2", "20G", "qcow2"), ("fast", "db1-disk2.raw", "512M", "raw")],
            volumes.Select(v => (v.Pool, v.Request.Name, v.Request.Size!, v.Request.Format!)));
    }

    [Theory]
    [InlineData("size=1G,path=/a.img,format=raw", "give one of path=, vol= or size=")]
    [InlineData("vol=default/a.qcow2,pool=default", "pool= only goes with size=")]
    [InlineData("size=1GB", "size=\"1GB\" uses \"GB\", which is ambiguous")]
    [InlineData("size=99999999999999999999", "size=\"99999999999999999999\" is too large")]
    public void Disk_sources_do_not_mix(string value, string problem) =>
        Assert.Contains(problem, Assert.Throws<CliUsageException>(() => DiskOption.Parse(value, Cwd)).Message);

    [Theory]
    [InlineData("path=a.img,fromat=raw", "unknown key \"fromat\"")]
    [InlineData("path=a.img", "format= is missing")]
    [InlineData("path=a.img,format=vmdk", "format=\"vmdk\" is not one of raw, qcow2")]
    [InlineData("path=a.img,format=raw,bus=ide", "bus=\"ide\" is not one of virtio, sata, scsi")]
    [InlineData("path=a.img,format=raw,readonly=maybe", "readonly=\"maybe\" is not on/off")]
    [InlineData("format=raw", "a disk needs vol=POOL/NAME or path=FILE")]
    [InlineData("path=a.img,,format=raw", "empty item")]
    [InlineData("path=,format=raw", "key \"path\" has an empty value")]
    [InlineData("path=a.img,format=raw,extra", "unknown item \"extra\"")]
    public void Malformed_disk_is_refused_naming_flag_problem_and_accepted_keys(string value, string problem)
    {
        var ex = Assert.Throws<CliUsageException>(() => DiskOption.Parse(value, Cwd));
        Assert.StartsWith($"--disk \"{value}\": ", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.Contains("Accepted keys: path=FILE", ex.Message);
        Assert.Contains("format=raw|qcow2", ex.Message);
    }

    [Fact]
    public void Boot_kernel_initrd_and_quoted_kernel_args_keep_their_commas()
    {
        var boot = BootOption.Parse("kernel=bzImage,initrd=/boot/initrd.gz,kernel_args=\"console=ttyS0,115200 quiet\"", Cwd);
        Assert.Equal("/home/user/vms/bzImage", boot.Kernel);
        Assert.Equal("/boot/initrd.gz", boot.Initrd);
        Assert.Equal("console=ttyS0,115200 quiet", boot.Cmdline);
        Assert.Empty(boot.Order);
    }

    [Fact]
    public void Boot_order_tokens_map_hd_to_disk()
    {
        var boot = BootOption.Parse("cdrom,hd,network", Cwd);
        Assert.Equal(["cdrom", "disk", "network"], boot.Order);
        Assert.Null(boot.Kernel);
    }

    [Theory]
    [InlineData("kernel=/k,kernel_args=console=ttyS0,115200", "unknown item \"115200\"")]
    [InlineData("kernal=/k", "unknown key \"kernal\"")]
    [InlineData("initrd=/i", "initrd and kernel_args need kernel=PATH")]
    [InlineData("kernel=/k,kernel_args=\"unterminated", "quote is not closed")]
    [InlineData("hd,hd", "listed twice")]
    [InlineData("kernel=/k,cdrom", "cannot be combined")]
    public void Malformed_boot_is_refused_naming_flag_problem_and_accepted_keys(string value, string problem)
    {
        var ex = Assert.Throws<CliUsageException>(() => BootOption.Parse(value, Cwd));
        Assert.StartsWith($"--boot \"{value}\": ", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.Contains("Accepted: kernel=PATH, initrd=PATH, kernel_args=TEXT", ex.Message);
    }

    [Fact]
    public void Network_user_bridge_and_none()
    {
        var user = NetworkOption.Parse("user")!;
        Assert.Equal(("user", null, "virtio"), (user.Type, user.Bridge, user.Model));
        var bridge = NetworkOption.Parse("bridge=br0,model=e1000e,mac=52:54:00:AA:BB:CC")!;
        Assert.Equal(("bridge", "br0", "e1000e", "52:54:00:aa:bb:cc"), (bridge.Type, bridge.Bridge, bridge.Model, bridge.Mac));
        Assert.Null(NetworkOption.Parse("none"));
        var named = NetworkOption.Parse("network=lab,link=down")!;
        Assert.Equal(("network", "lab", false), (named.Type, named.Network, named.Link));
    }

    [Theory]
    [InlineData("network", "network needs a name")]
    [InlineData("network=lab,bridge=br0", "bridge= does not go with network")]
    [InlineData("user,link=sideways", "link=\"sideways\" is not up or down")]
    [InlineData("bridge", "bridge needs a name")]
    [InlineData("user,model=ne2k", "model=\"ne2k\" is not one of virtio, e1000e, rtl8139")]
    [InlineData("tap", "unknown item \"tap\"")]
    [InlineData("none,model=virtio", "none takes no other keys")]
    [InlineData("model=virtio", "say which network")]
    public void Malformed_network_is_refused_naming_flag_problem_and_accepted_values(string value, string problem)
    {
        var ex = Assert.Throws<CliUsageException>(() => NetworkOption.Parse(value));
        Assert.StartsWith($"--network \"{value}\": ", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.Contains("Accepted: network=NAME, bridge=BRIDGE, user, or none", ex.Message);
    }

    [Fact]
    public void Graphics_vnc_with_port_or_none()
    {
        Assert.Equal(("vnc", (int?)5901), (GraphicsOption.Parse("vnc,port=5901").Type, GraphicsOption.Parse("vnc,port=5901").Port));
        Assert.Equal("none", GraphicsOption.Parse("none").Type);
        Assert.Contains("not a port between 5900 and 65535", Assert.Throws<CliUsageException>(() => GraphicsOption.Parse("vnc,port=80")).Message);
        Assert.Contains("unknown item \"spice\"", Assert.Throws<CliUsageException>(() => GraphicsOption.Parse("spice")).Message);
    }
}
