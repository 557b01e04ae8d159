using System.Net;
using Vireo.Client;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Volume upload and download (PUT/GET .../content) through a real vireod, real qemu-img and the real CLI.</summary>
public sealed class VolumeTransferTests(ITestOutputHelper output)
{
    private const long MiB = StorageKit.MiB;

    [Fact]
    public async Task A_qcow2_uploads_and_downloads_byte_for_byte_and_unsafe_or_mislabelled_images_leave_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        using var client = h.Client();
        var pool = StorageKit.DefaultPool(h);
        var raw = Path.Combine(h.StateDir, "data.raw");
        var qcow2 = Path.Combine(h.StateDir, "data.qcow2");
        await StorageKit.WriteRawAsync(raw, 16 * MiB, 3 * MiB);
        await ProcessRunner.RunOkAsync("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2);

        var info = await UploadAsync(client, "default/up.qcow2", "qcow2", qcow2);
        Assert.Equal(("qcow2", 16 * MiB), (info.Format, info.VirtualSizeBytes!.Value));
        Assert.Equal(await File.ReadAllBytesAsync(qcow2), await DownloadAsync(client, "default/up.qcow2"));

        // HEAD: GET's headers without the body.
        var head = await ProcessRunner.RunOkAsync("curl", "-sSI", "--unix-socket", h.Socket, "http://vireod/v1/pools/default/volumes/up.qcow2/content");
        Assert.Contains($"Content-Length: {new FileInfo(qcow2).Length}", head.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("attachment; filename=up.qcow2", head.Stdout);

        // An existing name: 409, and the volume is left as it was.
        var duplicate = await Assert.ThrowsAsync<VireoApiException>(() => UploadAsync(client, "default/up.qcow2", "qcow2", raw));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(qcow2), await File.ReadAllBytesAsync(Path.Combine(pool, "up.qcow2")));

        // A qcow2 whose header names a host file as its backing file.
        var overlay = Path.Combine(h.StateDir, "overlay.qcow2");
        await ProcessRunner.RunOkAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", raw, "-F", "raw", overlay);
        var backing = await Assert.ThrowsAsync<VireoApiException>(() => UploadAsync(client, "default/evil.qcow2", "qcow2", overlay));
        Assert.Equal(HttpStatusCode.BadRequest, backing.StatusCode);
        Assert.Contains("backing file", backing.Error.Detail + string.Join(" ", backing.Error.Errors.Select(e => e.Message)));

        // A qcow2 declared as raw (the classic backing-file attack), and a raw declared as qcow2.
        var mislabelled = await Assert.ThrowsAsync<VireoApiException>(() => UploadAsync(client, "default/evil.raw", "raw", qcow2));
        Assert.Equal(HttpStatusCode.BadRequest, mislabelled.StatusCode);
        Assert.Contains("qcow2", string.Join(" ", mislabelled.Error.Errors.Select(e => e.Message)));
        var notQcow2 = await Assert.ThrowsAsync<VireoApiException>(() => UploadAsync(client, "default/plain.qcow2", "qcow2", raw));
        Assert.Equal(HttpStatusCode.BadRequest, notQcow2.StatusCode);

        // The format is required: never probed.
        var noFormat = await Assert.ThrowsAsync<VireoApiException>(() => UploadAsync(client, "default/x.qcow2", "", qcow2));
        Assert.Equal(HttpStatusCode.BadRequest, noFormat.StatusCode);

        Assert.Equal(["up.qcow2"], Directory.GetFileSystemEntries(pool).Select(Path.GetFileName).Order());
        Assert.Equal(["default/up.qcow2"], (await client.ListVolumesAsync("default")).Select(v => v.Volume));

        // A raw upload round trip too.
        await UploadAsync(client, "default/up.raw", "raw", raw);
        Assert.Equal(await File.ReadAllBytesAsync(raw), await DownloadAsync(client, "default/up.raw"));

        // An upload whose sender dies half way: nothing is kept, no temporary file, the name stays free.
        await Assert.ThrowsAnyAsync<Exception>(() => client.UploadVolumeAsync("default/cut.raw", "raw", new DyingStream(4 * MiB), 16 * MiB));
        await VireoHarness.WaitUntilAsync(() => !Directory.GetFiles(pool, ".vireo-tmp-*").Any(), seconds: 20);
        Assert.DoesNotContain("default/cut.raw", (await client.ListVolumesAsync("default")).Select(v => v.Volume));
        Assert.False(File.Exists(Path.Combine(pool, "cut.raw")));

        // Larger than the pool's free space: refused before a byte is written.
        var huge = await Assert.ThrowsAsync<VireoApiException>(() => client.UploadVolumeAsync("default/huge.raw", "raw", new DyingStream(1L << 50), 1L << 50));
        Assert.Equal(HttpStatusCode.InsufficientStorage, huge.StatusCode);
        Assert.False(File.Exists(Path.Combine(pool, "huge.raw")));

        // A linked clone's file is not the disk: refused with the way out.
        await client.CreateVolumeAsync("default", new VolumeCreateRequest { Name = "linked.qcow2", Backing = "default/up.qcow2" });
        var linked = await Assert.ThrowsAsync<VireoApiException>(() => DownloadAsync(client, "default/linked.qcow2"));
        Assert.Equal(HttpStatusCode.Conflict, linked.StatusCode);
        Assert.Contains("linked clone", linked.Error.Detail);
        Assert.Contains("vol convert", linked.Error.Hint);
    }

    [Fact]
    public async Task The_cli_uploads_and_downloads_with_progress_lines_and_writes_the_file_atomically()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var raw = Path.Combine(h.StateDir, "cli.raw");
        var back = Path.Combine(h.StateDir, "back.raw");
        await StorageKit.WriteRawAsync(raw, 8 * MiB, 2 * MiB);

        var up = await h.VireoOk("vol", "upload", "default/cli.raw", raw, "--format", "raw");
        Assert.Contains("Volume default/cli.raw uploaded (raw, 8 MiB)", up.Stdout);
        Assert.Contains("progress: 100%", up.Stderr);

        var down = await h.VireoOk("vol", "download", "default/cli.raw", back);
        Assert.Contains("progress: 100%", down.Stderr);
        Assert.Equal(await File.ReadAllBytesAsync(raw), await File.ReadAllBytesAsync(back));
        Assert.Equal(["back.raw"], Directory.GetFiles(h.StateDir, "*back.raw*").Select(Path.GetFileName));

        // An existing file is kept unless --force.
        var again = await h.Vireo("vol", "download", "default/cli.raw", back);
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("--force", again.Stderr);
        await h.VireoOk("vol", "download", "default/cli.raw", back, "--force");

        // From stdin (no length: sent chunked).
        var text = new string('v', (int)MiB + 17);
        var piped = await h.VireoWithInput(text, "vol", "upload", "default/piped.raw", "-", "--format", "raw");
        Assert.True(piped.ExitCode == 0, piped.ToString());
        Assert.Equal(System.Text.Encoding.ASCII.GetBytes(text), await File.ReadAllBytesAsync(Path.Combine(StorageKit.DefaultPool(h), "piped.raw")));

        var missingFormat = await h.Vireo("vol", "upload", "default/other.raw", raw);
        Assert.NotEqual(0, missingFormat.ExitCode);
        var mislabelled = await h.Vireo("vol", "upload", "default/other.qcow2", raw, "--format", "qcow2");
        Assert.NotEqual(0, mislabelled.ExitCode);
        Assert.Contains("qcow2 header", mislabelled.Stderr);
    }

    [Fact]
    public async Task Upload_and_download_work_against_a_remote_vireod_and_a_viewer_token_may_not_download()
    {
        await using var h = await VireoHarness.StartAsync(output, overTls: true);
        var raw = Path.Combine(h.StateDir, "remote.raw");
        var qcow2 = Path.Combine(h.StateDir, "remote.qcow2");
        var back = Path.Combine(h.StateDir, "remote-back.qcow2");
        await StorageKit.WriteRawAsync(raw, 8 * MiB, 2 * MiB);
        await ProcessRunner.RunOkAsync("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2);

        var up = await h.VireoOk("vol", "upload", "default/remote.qcow2", qcow2, "--format", "qcow2");
        Assert.Contains("Volume default/remote.qcow2 uploaded (qcow2, 8 MiB)", up.Stdout);
        await h.VireoOk("vol", "download", "default/remote.qcow2", back);
        Assert.Equal(await File.ReadAllBytesAsync(qcow2), await File.ReadAllBytesAsync(back));

        var viewer = await h.RunCliAsync(null, false, new Dictionary<string, string>(), ["token", "create", "--role", "viewer", "-o", "json"]);
        using var doc = System.Text.Json.JsonDocument.Parse(viewer.Stdout);
        var token = doc.RootElement.GetProperty("token").GetString()!;
        var refused = await h.RunCliAsync(null, true, new Dictionary<string, string> { ["VIREO_TOKEN"] = token },
            ["vol", "download", "default/remote.qcow2", back + ".viewer"]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("operator", refused.Stderr);
        Assert.False(File.Exists(back + ".viewer"));
        Assert.Empty(Directory.GetFiles(h.StateDir, "*.vireo-part-*"));
    }

    private static async Task<VolumeInfo> UploadAsync(VireoClient client, string volume, string format, string file)
    {
        await using var source = File.OpenRead(file);
        return await client.UploadVolumeAsync(volume, format, source, source.Length);
    }

    private static async Task<byte[]> DownloadAsync(VireoClient client, string volume)
    {
        var (content, length, _) = await client.DownloadVolumeAsync(volume);
        await using (content)
        {
            using var memory = new MemoryStream();
            await content.CopyToAsync(memory);
            Assert.Equal(length, memory.Length);
            return memory.ToArray();
        }
    }

    /// <summary>Gives <c>count</c> bytes of zeros, then fails like a sender whose disk or process died.</summary>
    private sealed class DyingStream(long count) : Stream
    {
        private long _left = count;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_left <= 0) throw new IOException("the sender died");
            var n = (int)Math.Min(count, _left);
            Array.Clear(buffer, offset, n);
            _left -= n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
