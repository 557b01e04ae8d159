using System.Text.Json;
using Vireo.Cli.Create;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary><c>vireo create</c> without --name, and <c>vireo start</c> without NAME (issue 19's
/// <c>vireo create --image tiny &amp;&amp; vireo start</c>).</summary>
public sealed class AutoNameTests : FakeDaemonTest
{
    [Theory]
    [InlineData("tiny", null, "tiny")]
    [InlineData(null, "debian12", "debian12")]
    [InlineData("debian-12", "debian12", "debian-12")]
    [InlineData(null, null, "vm")]
    [InlineData("  ", "", "vm")]
    [InlineData("my image!", null, "my-image")]
    [InlineData("_x", null, "x")]
    public void The_base_is_the_image_else_the_os_else_vm(string? image, string? os, string expected) =>
        Assert.Equal(expected, AutoName.Base(image, os));

    [Fact]
    public void A_long_base_leaves_room_for_a_suffix_within_63_characters()
    {
        var name = AutoName.Pick(AutoName.Base(new string('a', 80), null), [new string('a', 56)], []);
        Assert.Equal(new string('a', 56) + "-2", name);
        Assert.True(name.Length <= 63);
    }

    [Theory]
    [InlineData("debian12", "debian12")]
    [InlineData("name=win2k22,require=off", "win2k22")]
    [InlineData("id=http://debian.org/debian/12", "debian12")]
    [InlineData("detect=on,require=off", null)]
    public void The_os_name_comes_from_any_spelling_of_os(string os, string? expected) =>
        Assert.Equal(expected, AutoName.OsName(os));

    [Fact]
    public void Pick_skips_names_of_vms_and_names_whose_disks_are_still_in_a_pool()
    {
        Assert.Equal("tiny", AutoName.Pick("tiny", ["web1"], ["tiny2-root.qcow2", "tinyx.raw"]));
        Assert.Equal("tiny-2", AutoName.Pick("tiny", ["tiny"], []));
        Assert.Equal("tiny-3", AutoName.Pick("tiny", ["tiny"], ["tiny-2-root.qcow2"]));
        Assert.Equal("tiny-2", AutoName.Pick("tiny", [], ["tiny-disk0.qcow2"]));
        Assert.Equal("tiny-2", AutoName.Pick("tiny", [], ["tiny-img2.qcow2"]));
        // tiny-2's disk is not tiny's: tiny is free.
        Assert.Equal("tiny", AutoName.Pick("tiny", [], ["tiny-2-root.qcow2", "tiny-data.qcow2"]));
    }

    [Fact]
    public async Task Create_without_name_names_the_vm_after_its_image_and_start_without_name_starts_it()
    {
        Daemon.Vms.Add(Canned.Vm("tiny", VmState.Stopped, null));
        Daemon.Volumes.Add(new VolumeInfo { Pool = "default", Name = "tiny-2-root.qcow2", Volume = "default/tiny-2-root.qcow2", Path = "/x", Format = "qcow2" });

        var created = await Vireo("create", "--image", "tiny");

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("VM 'tiny-3' defined", created.Stdout);
        Assert.Contains("no --name was given", created.Stdout);
        var post = Assert.Single(Sent(), r => r.Method == "POST");
        Assert.Equal("tiny-3", JsonSerializer.Deserialize(post.Body, VireoJsonContext.Default.VmSpec)!.Name);

        var started = await Vireo("start");

        Assert.Equal(0, started.ExitCode);
        Assert.Contains("Starting 'tiny-3', the VM you created last.", started.Stderr);
        Assert.Contains(Sent(), r => (r.Method, r.PathAndQuery) == ("POST", "/v1/vms/tiny-3/start"));
    }

    [Fact]
    public async Task Start_without_name_before_any_create_exits_2_says_what_to_do_and_sends_nothing()
    {
        var result = await Vireo("start");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("NAME: no VM named", result.Stderr);
        Assert.Contains("vireo start NAME", result.Stderr);
        Assert.DoesNotContain(Sent(), r => r.Method == "POST");
    }

    [Fact]
    public async Task A_named_create_is_remembered_too_and_a_dry_run_is_not()
    {
        Assert.Equal(0, (await Vireo("create", "--name", "n1", "--image", "tiny")).ExitCode);
        Assert.Equal(0, (await Vireo("create", "--image", "tiny", "--dry-run")).ExitCode);

        var started = await Vireo("start");

        Assert.Equal(0, started.ExitCode);
        Assert.Contains(Sent(), r => (r.Method, r.PathAndQuery) == ("POST", "/v1/vms/n1/start"));
    }

    [Fact]
    public void The_record_keeps_one_line_per_vireod()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-last-");
        try
        {
            var path = Path.Combine(dir.FullName, "vireo", "last-created");
            LastCreated.Write(path, "/run/vireo/vireod.sock", "a");
            LastCreated.Write(path, "remote h (https://h:8443/)", "b");
            LastCreated.Write(path, "/run/vireo/vireod.sock", "c");
            Assert.Equal("c", LastCreated.Read(path, "/run/vireo/vireod.sock"));
            Assert.Equal("b", LastCreated.Read(path, "remote h (https://h:8443/)"));
            Assert.Null(LastCreated.Read(path, "/other.sock"));
            Assert.Equal(2, File.ReadAllLines(path).Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
