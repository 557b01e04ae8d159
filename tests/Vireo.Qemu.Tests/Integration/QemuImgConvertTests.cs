using Vireo.Qemu.Internal;
using Vireo.Qemu.Model;
using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Integration;

/// <summary>qemu-img preallocation, convert with progress and cancellation, always with explicit formats.</summary>
[Trait("Category", "Integration")]
public sealed class QemuImgConvertTests : IDisposable
{
    private const long MiB = 1 << 20;
    private readonly TempDir _dir = new();
    private readonly QemuImg _img = TestPaths.QemuImg;
    private readonly CancellationToken _ct = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public void Dispose() => _dir.Dispose();

    private string P(string name) => Path.Combine(_dir.Path, name);

    [Theory]
    [InlineData(Preallocation.Off, false)]
    [InlineData(Preallocation.Falloc, true)]
    [InlineData(Preallocation.Full, true)]
    public async Task Raw_preallocation_decides_how_much_is_allocated(Preallocation mode, bool allocated)
    {
        await _img.CreateAsync(P("a.raw"), DiskFormat.Raw, 16 * MiB, null, mode, _ct);
        var info = await _img.InfoAsync(P("a.raw"), DiskFormat.Raw, _ct);
        Assert.Equal(16 * MiB, info.VirtualSize);
        if (allocated) Assert.True(info.ActualSize >= 16 * MiB, $"actual {info.ActualSize}");
        else Assert.True(info.ActualSize < MiB, $"actual {info.ActualSize}");
    }

    [Fact]
    public async Task Qcow2_metadata_preallocation_allocates_more_than_off()
    {
        await _img.CreateAsync(P("off.qcow2"), DiskFormat.Qcow2, 256 * MiB, null, Preallocation.Off, _ct);
        await _img.CreateAsync(P("meta.qcow2"), DiskFormat.Qcow2, 256 * MiB, null, Preallocation.Metadata, _ct);
        var off = await _img.InfoAsync(P("off.qcow2"), DiskFormat.Qcow2, _ct);
        var meta = await _img.InfoAsync(P("meta.qcow2"), DiskFormat.Qcow2, _ct);
        Assert.True(new FileInfo(P("meta.qcow2")).Length > new FileInfo(P("off.qcow2")).Length, "metadata preallocation makes the file span the disk");
        Assert.Equal(off.VirtualSize, meta.VirtualSize);
    }

    [Fact]
    public async Task Metadata_preallocation_of_a_raw_image_is_refused_before_qemu_img_runs()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _img.CreateAsync(P("x.raw"), DiskFormat.Raw, MiB, null, Preallocation.Metadata, _ct));
        Assert.False(File.Exists(P("x.raw")));
    }

    [Fact]
    public async Task Convert_reports_rising_progress_a_few_times_a_second_ending_at_one_and_copies_the_data()
    {
        await WriteRandomRawAsync(P("src.raw"), 32 * MiB, 16 * MiB);
        var seen = new List<double>();
        // About a second and a half (16 MiB of data at 12 MiB/s): qemu-img prints ~100 updates, read 5 times a second.
        var options = new ConvertOptions { RateLimitBytesPerSecond = 12 * MiB };
        await _img.ConvertAsync(P("src.raw"), DiskFormat.Raw, P("dst.qcow2"), DiskFormat.Qcow2, options, new SyncProgress(seen), _ct);

        Assert.NotEmpty(seen);
        Assert.Equal(1.0, seen[^1]);
        Assert.Equal(seen.Order(), seen);
        Assert.True(seen.Count is >= 3 and <= 15, $"{seen.Count} progress updates: {string.Join(' ', seen)}");
        await _img.ConvertAsync(P("dst.qcow2"), DiskFormat.Qcow2, P("back.raw"), DiskFormat.Raw, new ConvertOptions(), null, _ct);
        Assert.Equal(await File.ReadAllBytesAsync(P("src.raw"), _ct), await File.ReadAllBytesAsync(P("back.raw"), _ct));
    }

    [Fact]
    public async Task Copy_through_qcow2_back_into_raw_is_byte_identical_and_keeps_holes()
    {
        // Data at scattered offsets with holes between: the raw copy must match byte for byte and leave the holes
        // unallocated.
        const long size = 64 * MiB;
        await using (var f = new FileStream(P("src.raw"), FileMode.CreateNew, FileAccess.Write))
        {
            f.SetLength(size);
            var buffer = new byte[MiB];
            foreach (var at in new long[] { 0, 5, 17, 18, 40, 63 })
            {
                Random.Shared.NextBytes(buffer);
                f.Position = at * MiB;
                await f.WriteAsync(buffer, _ct);
            }
        }
        await _img.ConvertAsync(P("src.raw"), DiskFormat.Raw, P("mid.qcow2"), DiskFormat.Qcow2, new ConvertOptions(), null, _ct);
        await _img.ConvertAsync(P("mid.qcow2"), DiskFormat.Qcow2, P("out.raw"), DiskFormat.Raw, new ConvertOptions(), null, _ct);

        Assert.Equal(await File.ReadAllBytesAsync(P("src.raw"), _ct), await File.ReadAllBytesAsync(P("out.raw"), _ct));
        var info = await _img.InfoAsync(P("out.raw"), DiskFormat.Raw, _ct);
        Assert.Equal(size, info.VirtualSize);
        Assert.True(info.ActualSize <= 8 * MiB, $"the copy allocated {info.ActualSize} bytes for 6 MiB of data");
    }

    [Fact]
    public async Task Cancelled_convert_ends_qemu_img_and_leaves_no_file()
    {
        await WriteRandomRawAsync(P("src.raw"), 64 * MiB, 64 * MiB);
        using var cts = new CancellationTokenSource();
        var seen = new List<double>();
        // 4 MiB/s: the copy would take ~16 s; cancel once it has visibly started.
        var progress = new SyncProgress(seen, () => { if (seen.Count >= 2) cts.Cancel(); });
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _img.ConvertAsync(P("src.raw"), DiskFormat.Raw, P("dst.qcow2"), DiskFormat.Qcow2,
            new ConvertOptions { RateLimitBytesPerSecond = 4 * MiB }, progress, cts.Token));

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "cancellation did not end qemu-img promptly");
        Assert.False(File.Exists(P("dst.qcow2")));
        Assert.Equal(["src.raw"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Qemu_img_runs_with_its_copy_buffers_on_huge_pages_unless_the_environment_says_otherwise()
    {
        Assert.Equal(new Dictionary<string, string> { ["GLIBC_TUNABLES"] = QemuImg.MallocTunables }, QemuImg.ChildEnvironment(_ => null));
        Assert.Empty(QemuImg.ChildEnvironment(name => name == "GLIBC_TUNABLES" ? "glibc.malloc.arena_max=2" : null));

        // The real qemu-img, while it copies: its environment as the kernel holds it.
        await WriteRandomRawAsync(P("src.raw"), 16 * MiB, 16 * MiB);
        using var cts = new CancellationTokenSource();
        string? environ = null;
        var progress = new SyncProgress([], () =>
        {
            environ ??= ChildQemuImgEnvironment();
            if (environ is not null) cts.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _img.ConvertAsync(P("src.raw"), DiskFormat.Raw, P("dst.qcow2"), DiskFormat.Qcow2,
            new ConvertOptions { RateLimitBytesPerSecond = 2 * MiB }, progress, cts.Token));
        Assert.NotNull(environ);
        // glibc parses the variable at start and may cut what it keeps in place at the first ':' (2.36 does).
        var expected = "GLIBC_TUNABLES=" + (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? QemuImg.MallocTunables).Split(':')[0];
        Assert.Contains(environ.Split('\0'), v => v.StartsWith(expected, StringComparison.Ordinal));
    }

    /// <summary>The NUL-separated environment of this process's qemu-img child, or null if none runs.</summary>
    private static string? ChildQemuImgEnvironment()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var comm = stat[(stat.IndexOf('(') + 1)..close];
                var ppid = int.Parse(stat[(close + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (comm == "qemu-img" && ppid == Environment.ProcessId)
                    return File.ReadAllText(Path.Combine(dir, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // A process that ended meanwhile, or not a process directory.
            }
        }
        return null;
    }

    [Fact]
    public async Task Failed_convert_leaves_no_file_and_says_why()
    {
        await File.WriteAllBytesAsync(P("not.qcow2"), new byte[4096], _ct);
        var e = await Assert.ThrowsAsync<QemuImgException>(() => _img.ConvertAsync(P("not.qcow2"), DiskFormat.Qcow2, P("out.raw"), DiskFormat.Raw, new ConvertOptions(), null, _ct));
        Assert.Contains("qcow2", e.Message);
        Assert.False(File.Exists(P("out.raw")));
    }

    [Fact]
    public async Task Overlay_on_a_raw_backing_file_records_raw_so_the_base_is_never_probed()
    {
        await _img.CreateAsync(P("base.raw"), DiskFormat.Raw, 8 * MiB, null, _ct);
        await _img.CreateAsync(P("top.qcow2"), DiskFormat.Qcow2, null, new BackingFile(P("base.raw"), DiskFormat.Raw), Preallocation.Off, _ct);
        var info = await _img.InfoAsync(P("top.qcow2"), DiskFormat.Qcow2, _ct);
        Assert.Equal("raw", info.BackingFormat);
        Assert.Equal(8 * MiB, info.VirtualSize);
    }

    [Theory]
    [InlineData("    (12.50/100%)", 0.125)]
    [InlineData("(100.00/100%)", 1.0)]
    [InlineData("    (0.00/100%)", 0.0)]
    public void Progress_lines_parse_to_fractions(string line, double expected) =>
        Assert.Equal(expected, ProgressToolProcess.TryParse(line));

    [Theory]
    [InlineData("qemu-img: error")]
    [InlineData("(12.5%)")]
    [InlineData("")]
    public void Other_lines_are_not_progress(string line) => Assert.Null(ProgressToolProcess.TryParse(line));

    private static async Task WriteRandomRawAsync(string path, long size, long randomBytes)
    {
        await using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        f.SetLength(size);
        var buffer = new byte[MiB];
        for (long written = 0; written < randomBytes; written += MiB)
        {
            Random.Shared.NextBytes(buffer);
            await f.WriteAsync(buffer);
        }
    }

    /// <summary>Records every report synchronously (Progress&lt;T&gt; would post them later, out of order).</summary>
    private sealed class SyncProgress(List<double> seen, Action? after = null) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (seen) seen.Add(value);
            after?.Invoke();
        }
    }
}
