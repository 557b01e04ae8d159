using System.Text;
using Vireo.Integration.Tests.Support;

namespace Vireo.Integration.Tests;

/// <summary>
/// <c>vireo create</c> with virt-install style command lines, through the built CLI and a real vireod reading the
/// real osinfo database: <c>--dry-run</c> output against golden files (Create/Golden/NAME.args, one argument a line,
/// → NAME.yaml), and bad input that must create nothing. <c>$DIR</c> in the files stands for a scratch directory
/// with an ISO, a qcow2 system disk and kernel files; <c>$IMAGES</c> for the image cache. Set
/// <c>VIREO_UPDATE_GOLDEN=1</c> to rewrite the .yaml files from what the CLI prints (then review the diff).
/// </summary>
public sealed class CreateGoldenTests(CreateGoldenTests.Daemon daemon) : IClassFixture<CreateGoldenTests.Daemon>
{
    /// <summary>One vireod and one fixture directory for every case: nothing here is defined or booted.</summary>
    public sealed class Daemon : IAsyncLifetime
    {
        internal VireoHarness H { get; private set; } = null!;
        internal string Dir { get; private set; } = "";

        public async Task InitializeAsync()
        {
            H = await VireoHarness.StartAsync();
            Dir = await FixturesAsync(H);
        }

        public async Task DisposeAsync() => await H.DisposeAsync();
    }

    private static string GoldenDir => Path.Combine(Repo.Root, "tests", "Vireo.Integration.Tests", "Create", "Golden");

    [Fact]
    public async Task Dry_run_of_virt_install_style_command_lines_prints_the_golden_specs_and_creates_nothing()
    {
        var cases = Directory.GetFiles(GoldenDir, "*.args").Order(StringComparer.Ordinal).ToList();
        Assert.True(cases.Count >= 15, $"only {cases.Count} golden cases in {GoldenDir}");
        var update = Environment.GetEnvironmentVariable("VIREO_UPDATE_GOLDEN") == "1";
        var (h, dir) = (daemon.H, daemon.Dir);
        var failures = new StringBuilder();
        foreach (var argsFile in cases)
        {
            var name = Path.GetFileNameWithoutExtension(argsFile);
            var args = (await File.ReadAllLinesAsync(argsFile)).Where(l => l.Length > 0).Select(l => Expand(l, dir)).ToList();
            var result = await h.Vireo(["create", .. args, "--dry-run"]);
            if (result.ExitCode != 0)
            {
                failures.AppendLine($"{name}: exit {result.ExitCode}: {result.Stderr}");
                continue;
            }
            var actual = Abstract(result.Stdout, dir);
            var goldenFile = Path.ChangeExtension(argsFile, ".yaml");
            if (update)
            {
                await File.WriteAllTextAsync(goldenFile, actual);
                continue;
            }
            var expected = File.Exists(goldenFile) ? await File.ReadAllTextAsync(goldenFile) : "(missing golden file)";
            if (expected != actual)
                failures.AppendLine($"{name}: expected\n{expected}\nbut vireo create {string.Join(' ', args)} --dry-run printed\n{actual}");
        }
        Assert.True(failures.Length == 0, failures.ToString());

        // A dry run creates and defines nothing.
        Assert.Equal("", (await h.VireoOk("list", "--output", "json")).Stdout.Trim().Trim('[', ']').Trim());
        Assert.DoesNotContain("-disk", (await h.VireoOk("vol", "list")).Stdout);
    }

    [Theory]
    [InlineData("missing ISO", "--cdrom \"$DIR/nope.iso\": there is no file", "--name", "a", "--disk", "size=20G", "--cdrom", "$DIR/nope.iso")]
    [InlineData("zero size", "size must be above 0: give e.g. size=20G", "--name", "a", "--disk", "size=0")]
    [InlineData("unknown os", "os: \"debain12\" is not an OS of the osinfo database", "--name", "a", "--os", "debain12", "--disk", "size=20G")]
    [InlineData("unknown os, default size", "--os \"debain12\": OS \"debain12\" does not exist. Did you mean debian12", "--name", "a", "--os", "debain12", "--disk", "size=default")]
    [InlineData("nothing to boot", "nothing to boot", "--name", "a", "--disk", "none")]
    [InlineData("import without a disk", "--import boots the first disk, and there is none", "--name", "a", "--import")]
    [InlineData("import of a new empty disk", "--import boots the first disk, but --disk size= makes a new, empty one", "--name", "a", "--import", "--disk", "size=2G")]
    [InlineData("cdrom with import", "they contradict each other", "--name", "a", "--import", "--cdrom", "$DIR/install.iso", "--disk", "path=$DIR/system.qcow2,format=qcow2")]
    [InlineData("pxe without a NIC", "--pxe boots from the network, but --network none", "--name", "a", "--pxe", "--network", "none", "--disk", "size=2G")]
    [InlineData("uefi with an ELF kernel", "--boot uefi with kernel=$DIR/vmlinux.elf: it is not an EFI executable", "--name", "a", "--disk", "none", "--boot", "uefi,kernel=$DIR/vmlinux.elf")]
    [InlineData("size=default with an image that names no OS", "the image tiny names no OS: add --os ID", "--name", "a", "--image", "tiny", "--disk", "size=default")]
    [InlineData("size=default without an OS", "--disk size=default takes the disk size the OS recommends, and no OS is given: add --os ID", "--name", "a", "--disk", "size=default")]
    [InlineData("unknown osinfo key", "--os \"detect=on,foo=bar\": unknown key \"foo\"", "--name", "a", "--osinfo", "detect=on,foo=bar", "--disk", "size=2G")]
    [InlineData("network that does not exist", "nics[0].network: \"nowhere\" is not a network", "--name", "a", "--disk", "size=2G", "--network", "network=nowhere")]
    [InlineData("more memory than the host", "memory: ", "--name", "a", "--memory", "64T", "--disk", "size=2G")]
    public async Task Bad_create_flags_name_the_flag_or_field_and_create_nothing(string what, string message, params string[] args)
    {
        var (h, dir) = (daemon.H, daemon.Dir);
        var volumesBefore = (await h.VireoOk("vol", "list")).Stdout;

        var result = await h.Vireo(["create", .. args.Select(a => Expand(a, dir))]);

        Assert.True(result.ExitCode != 0, $"{what}: {result}");
        Assert.Contains(Expand(message, dir), result.Stderr);
        Assert.Equal("", (await h.VireoOk("list", "--output", "json")).Stdout.Trim().Trim('[', ']').Trim());
        Assert.Equal(volumesBefore, (await h.VireoOk("vol", "list")).Stdout);
    }

    /// <summary>An installer ISO, an installed qcow2 disk, a kernel and an initrd, and an ELF kernel.</summary>
    private static async Task<string> FixturesAsync(VireoHarness h)
    {
        var dir = Path.Combine(h.StateDir, "fixtures");
        Directory.CreateDirectory(dir);
        await File.WriteAllBytesAsync(Path.Combine(dir, "install.iso"), new byte[64 * 1024]);
        await GuestWriter.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", Path.Combine(dir, "system.qcow2"), "16M");
        await File.WriteAllBytesAsync(Path.Combine(dir, "vmlinuz"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(dir, "initrd.img"), new byte[4096]);
        await File.WriteAllBytesAsync(Path.Combine(dir, "vmlinux.elf"), [0x7f, (byte)'E', (byte)'L', (byte)'F', .. new byte[4092]]);
        // A catalogue image with its OS (as `vireo image build debian-12` registers one); the built-in tiny names none.
        await GuestWriter.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", Path.Combine(dir, "base.qcow2"), "16M");
        await h.VireoOk("image", "import", Path.Combine(dir, "base.qcow2"), "--name", "srv", "--os", "debian12");
        return dir;
    }

    private static string Expand(string text, string dir) => text.Replace("$DIR", dir).Replace("$IMAGES", Repo.ImageDir);

    private static string Abstract(string text, string dir) => text.Replace(dir, "$DIR").Replace(Repo.ImageDir, "$IMAGES");
}
