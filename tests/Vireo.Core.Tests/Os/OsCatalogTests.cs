using Microsoft.Extensions.Logging;
using Vireo.Core.Errors;
using Vireo.Core.Os;
using Xunit.Abstractions;

namespace Vireo.Core.Tests.Os;

/// <summary>The osinfo database as Debian's osinfo-db installs it (scripts/deps.sh), with Vireo's overlay (data/osinfo).</summary>
public sealed class OsCatalogTests(ITestOutputHelper output)
{
    private const string SystemDb = "/usr/share/osinfo";
    private static readonly string Overlay = Path.Combine(AppContext.BaseDirectory, "osinfo");

    private static OsCatalog Catalog()
    {
        Assert.True(File.Exists(Path.Combine(SystemDb, "os", "debian.org", "debian-11.xml")),
            $"the osinfo database is not installed in {SystemDb}: run scripts/deps.sh (Debian package osinfo-db)");
        return new OsCatalog([SystemDb, Overlay]);
    }

    [Fact]
    public void The_whole_database_loads_without_problems_and_quickly()
    {
        var catalog = Catalog();
        catalog.Load();
        output.WriteLine($"{catalog.All.Count} OSes in {catalog.LoadTime.TotalMilliseconds:F0} ms");
        Assert.True(catalog.Problems.Count == 0, string.Join("\n", catalog.Problems));
        Assert.True(catalog.All.Count > 500, $"{catalog.All.Count} OSes");
        Assert.True(catalog.LoadTime < TimeSpan.FromSeconds(5), $"loading took {catalog.LoadTime}");
    }

    [Fact]
    public void Debian_11_minimum_and_recommended_memory_are_read_in_bytes()
    {
        var os = Catalog().Resolve("debian11");
        Assert.Equal("Debian 11", os.Entry.Name);
        Assert.Equal(("linux", "debian", "2021-08-14"), (os.Entry.Family, os.Entry.Distro, os.Entry.ReleaseDate));
        Assert.Equal(new OsResourceValues(1, 1073741824, 10737418240), os.Minimum);
        Assert.Equal(new OsResourceValues(null, 1073741824, 21474836480), os.Recommended);
        Assert.Null(os.ResourcesFrom);
        Assert.True(os.VirtioDisk && os.VirtioNet);
        Assert.Equal(("virtio", "virtio"), (os.DiskBus, os.NicModel));
    }

    [Fact]
    public void Debian_12_comes_from_the_overlay_and_inherits_debian_11s_resources_and_devices()
    {
        var catalog = Catalog();
        var os = catalog.Resolve("debian12");
        Assert.Equal("http://debian.org/debian/12", os.Entry.Id);
        Assert.Equal("2023-06-10", os.Entry.ReleaseDate);
        Assert.Contains(os.Entry.Files, f => f.StartsWith(Overlay, StringComparison.Ordinal));
        Assert.Equal(catalog.Resolve("debian11").Minimum, os.Minimum);
        Assert.Equal(catalog.Resolve("debian11").Recommended, os.Recommended);
        Assert.Equal("debian11", os.ResourcesFrom);
        Assert.Contains(OsDevices.VirtioBlockModern, os.Devices);
        Assert.Equal(("virtio", "virtio"), (os.DiskBus, os.NicModel));
        // virt-install's other spellings.
        Assert.Same(os.Entry, catalog.Find("http://debian.org/debian/12"));
        Assert.Same(os.Entry, catalog.Find("short-id=debianbookworm"));
        Assert.Same(os.Entry, catalog.Find("DEBIAN12"));
        Assert.Same(os.Entry, catalog.Find("id=http://debian.org/debian/12"));
    }

    [Fact]
    public void Windows_10_has_no_virtio_drivers_so_Vireo_picks_sata_and_e1000e()
    {
        var os = Catalog().Resolve("win10");
        Assert.Equal("winnt", os.Entry.Family);
        Assert.False(os.VirtioDisk);
        Assert.False(os.VirtioNet);
        Assert.Equal(("sata", "e1000e"), (os.DiskBus, os.NicModel));
        Assert.Contains("http://pcisig.com/pci/8086/10d3", os.Devices); // e1000e, from Windows 7
        Assert.NotNull(os.Minimum.RamBytes);
    }

    [Fact]
    public void Resources_come_whole_from_one_OS_and_recommended_is_never_below_minimum()
    {
        var os = Catalog().Resolve("win11");
        Assert.Null(os.ResourcesFrom);
        Assert.Equal(4294967296, os.Minimum.RamBytes);
        Assert.True(os.Recommended.RamBytes is null || os.Recommended.RamBytes >= os.Minimum.RamBytes, $"recommended {os.Recommended}");
        Assert.Contains("efi", os.FirmwareSupported);
        Assert.Contains("bios", os.FirmwareUnsupported);
    }

    [Fact]
    public void A_bare_distro_name_suggests_its_newest_releases()
    {
        Assert.Equal(["debian13", "debian12", "debian11"], Catalog().Suggest("debian"));
    }

    [Fact]
    public void An_unknown_id_is_not_found_and_suggests_the_nearest()
    {
        var catalog = Catalog();
        var e = Assert.Throws<NotFoundException>(() => catalog.Resolve("debain12"));
        Assert.Equal("OS \"debain12\" does not exist", e.Message);
        Assert.StartsWith("Did you mean debian12", e.Hint);
        Assert.Equal("debian12", catalog.Suggest("debain12")[0]);
        Assert.Contains("win10", catalog.Suggest("win01"));
    }

    [Fact]
    public void A_file_with_a_DTD_is_skipped_with_a_logged_reason_and_a_later_root_replaces_a_file()
    {
        var dir = Directory.CreateTempSubdirectory("vireo-osinfo-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "os", "evil.example"));
            File.WriteAllText(Path.Combine(dir.FullName, "os", "evil.example", "evil.xml"), """
                <?xml version="1.0"?>
                <!DOCTYPE libosinfo [<!ENTITY x SYSTEM "file:///etc/shadow"><!ENTITY a "aaaaaaaaaa">]>
                <libosinfo version="0.0.1"><os id="http://evil.example/1"><short-id>evil1</short-id><name>&x;&a;</name></os></libosinfo>
                """);
            Directory.CreateDirectory(Path.Combine(dir.FullName, "os", "debian.org"));
            File.WriteAllText(Path.Combine(dir.FullName, "os", "debian.org", "debian-12.xml"), """
                <?xml version="1.0"?>
                <libosinfo version="0.0.1"><os id="http://debian.org/debian/12"><short-id>debian12</short-id><name>Local Debian 12</name>
                <family>linux</family><derives-from id="http://debian.org/debian/11"/>
                <resources arch="all"><minimum><ram>2147483648</ram></minimum></resources></os></libosinfo>
                """);
            var log = new ListLogger();
            Assert.True(File.Exists(Path.Combine(SystemDb, "os", "debian.org", "debian-11.xml")), $"osinfo-db is not installed in {SystemDb}: run scripts/deps.sh");
            var catalog = new OsCatalog([SystemDb, Overlay, dir.FullName], log);
            Assert.Null(catalog.Find("evil1"));
            var problem = Assert.Single(catalog.Problems);
            Assert.Contains("evil.xml", problem);
            Assert.Contains("DTD", problem);
            Assert.Contains(log.Lines, l => l.Contains("skipping") && l.Contains("evil.xml") && l.Contains("DTD"));
            var local = catalog.Resolve("debian12");
            Assert.Equal("Local Debian 12", local.Entry.Name);
            Assert.Equal(2147483648, local.Minimum.RamBytes);
            Assert.Null(local.ResourcesFrom); // its own resources, none of debian11's
            Assert.Null(local.Minimum.StorageBytes);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel}: {formatter(state, exception)}");
    }
}
