using System.Buffers.Binary;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Storage;

/// <summary>A volume's file opened for download; disposing it ends the read (the volume may then be deleted or resized).</summary>
public sealed class VolumeContent(Stream content, string fileName, string format, Func<ValueTask> release) : IAsyncDisposable
{
    private int _disposed;

    /// <summary>The file, positioned at its start; its length is the file's length.</summary>
    public Stream Content { get; } = content;

    /// <summary>The volume's name, for Content-Disposition.</summary>
    public string FileName { get; } = fileName;

    /// <summary>raw or qcow2, as recorded.</summary>
    public string Format { get; } = format;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Content.DisposeAsync();
        await release();
    }
}

public sealed partial class StorageService
{
    /// <summary>Room left on the pool's file system besides an upload, so that a full upload does not fill it to the last byte.</summary>
    internal const long UploadReserveBytes = 64L << 20;

    /// <summary>
    /// Creates volume <paramref name="name"/> from the bytes of <paramref name="body"/> (like <c>virsh vol-upload</c>
    /// into a new volume). The format is declared, never probed; the bytes go to a temporary file in the pool, bounded by
    /// the pool's free space and <paramref name="contentLength"/>, then the header must match the declared format (a
    /// "raw" upload that is a qcow2 or another image format is refused: QEMU would be handed a guest-made header) and
    /// a qcow2 must have neither a backing file nor an external data file (either would make QEMU open a host file the
    /// uploader names). Only then is the file renamed into place and recorded. A refusal or an abort leaves nothing.
    /// </summary>
    public async Task<VolumeInfo> UploadAsync(string poolName, string name, string? format, long? contentLength, Stream body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        var errors = new List<FieldError>();
        if (StorageNames.ValidateVolumeName(name) is { } nameProblem)
            errors.Add(new FieldError { Field = "name", Value = name, Message = nameProblem });
        var declared = Collect(errors, () => ParseFormat(format, "format", null));
        if (contentLength is < 0)
            errors.Add(new FieldError { Field = "Content-Length", Value = contentLength.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), Message = "is negative" });
        if (errors.Count > 0)
            throw InvalidInputException.For("volume upload", errors);
        var reference = StorageNames.Reference(poolName, name);
        var pool = await ReserveAsync(poolName, name, ct);
        var temp = TempPath(pool, name);
        try
        {
            var room = Math.Max(0, new DriveInfo(pool.Path).AvailableFreeSpace - UploadReserveBytes);
            if (contentLength > room)
                throw new NoSpaceException(
                    $"cannot upload volume {reference}: it is {SizeParser.Format(contentLength.Value)} and pool \"{poolName}\" has {SizeParser.Format(room)} free " +
                    $"(keeping {SizeParser.Format(UploadReserveBytes)} spare); nothing was written. Free space or use another pool");
            var limit = contentLength ?? room;
            await using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None,
                Options = FileOptions.Asynchronous, BufferSize = 0, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                var buffer = new byte[1 << 20];
                long total = 0;
                int n;
                while ((n = await body.ReadAsync(buffer, ct)) > 0)
                {
                    total += n;
                    if (total > limit)
                    {
                        if (contentLength is not null)
                            throw InvalidInputException.For("volume upload", [new FieldError { Field = "body", Message = $"is longer than its Content-Length {contentLength}" }]);
                        throw new NoSpaceException($"cannot upload volume {reference}: pool \"{poolName}\" has {SizeParser.Format(room)} free and the upload is larger; nothing was left behind. Free space or use another pool");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, n), ct);
                }
                if (contentLength is { } expected && total != expected)
                    throw InvalidInputException.For("volume upload", [new FieldError { Field = "body", Message = $"ended after {total} of the {expected} bytes announced by Content-Length; nothing was kept" }]);
                if (total == 0)
                    throw InvalidInputException.For("volume upload", [new FieldError { Field = "body", Message = "is empty; send the image's bytes" }]);
                file.Flush(flushToDisk: true);
            }
            await CheckUploadAsync(temp, declared!.Value, ct);
            var record = new VolumeRecord(pool.Name, name, FormatName(declared!.Value), null, null, "off", DateTimeOffset.UtcNow);
            await CommitAsync(pool, temp, record, ct);
            return await InfoOfAsync(pool, record, _store.ListVolumes(), ct);
        }
        catch (IOException e) when (e.HResult == 28 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase))
        {
            throw new NoSpaceException($"cannot upload volume {reference}: the pool's file system is full; nothing was left behind. Free space or use another pool", e);
        }
        finally
        {
            TryDelete(temp);
            await ReleaseAsync(pool.Name, name);
        }
    }

    /// <summary>Refuses an uploaded file whose header does not match <paramref name="format"/> or that would make QEMU open other files.</summary>
    private async Task CheckUploadAsync(string path, DiskFormat format, CancellationToken ct)
    {
        var header = new byte[512];
        int read;
        await using (var f = File.OpenRead(path))
            read = await f.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct);
        var head = header.AsSpan(0, read);
        FieldError Refused(string message, string? hint = null) => new() { Field = "format", Value = FormatName(format), Message = message, Hint = hint };
        if (format == DiskFormat.Raw)
        {
            if (ImageMagic(head) is { } kind)
                throw InvalidInputException.For("volume upload", [Refused(
                    $"does not match the upload, whose header is that of a {kind} image; a disk image stored as raw would hand its header to the guest, and one read as an image could make QEMU open any host file",
                    hint: kind == "qcow2" ? "Upload it with format qcow2." : "Convert it to raw or qcow2 first (qemu-img convert -O qcow2), then upload that.")]);
        }
        else
        {
            if (read < 72 || !head.StartsWith(Qcow2Magic))
                throw InvalidInputException.For("volume upload", [Refused("does not match the upload: it does not start with a qcow2 header",
                    "Give the format the file really has (raw for a plain disk image).")]);
            var version = BinaryPrimitives.ReadUInt32BigEndian(head[4..]);
            var backingOffset = BinaryPrimitives.ReadUInt64BigEndian(head[8..]);
            var incompatible = version >= 3 && read >= 80 ? BinaryPrimitives.ReadUInt64BigEndian(head[72..]) : 0;
            if (backingOffset != 0)
                throw InvalidInputException.For("volume upload", [BackingRefusal()]);
            if ((incompatible & 4) != 0)
                throw InvalidInputException.For("volume upload", [DataFileRefusal()]);
        }
        // The header check above runs first, so that qemu-img never opens a file the upload names.
        Vireo.Qemu.ImageInfo info;
        try
        {
            info = await Img.InfoAsync(path, format, ct);
        }
        catch (QemuImgException e)
        {
            throw InvalidInputException.For("volume upload", [Refused($"does not match the upload: qemu-img cannot read it as {FormatName(format)} ({e.Message.Trim()})")]);
        }
        if (info.BackingFilename is not null)
            throw InvalidInputException.For("volume upload", [BackingRefusal()]);
        if (info.DataFile is not null)
            throw InvalidInputException.For("volume upload", [DataFileRefusal()]);
        if (info.Corrupt == true)
            throw InvalidInputException.For("volume upload", [Refused("does not match the upload: the qcow2 image is marked corrupt",
                "Repair it first (qemu-img check -r all), then upload it again.")]);
    }

    private static FieldError BackingFileError(string what) => new()
    {
        Field = "body",
        Message = $"is a qcow2 image with {what}; an uploaded image must stand alone (QEMU would open the host file its header names)",
        Hint = "Flatten it first (qemu-img convert -O qcow2 IMAGE STANDALONE.qcow2) and upload that.",
    };

    private static FieldError BackingRefusal() => BackingFileError("a backing file");

    private static FieldError DataFileRefusal() => BackingFileError("an external data file");

    private static ReadOnlySpan<byte> Qcow2Magic => [(byte)'Q', (byte)'F', (byte)'I', 0xfb];

    /// <summary>The image format whose magic starts <paramref name="head"/>, or null for none Vireo knows.</summary>
    internal static string? ImageMagic(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(Qcow2Magic)) return "qcow2";
        if (head.StartsWith("QED\0"u8)) return "QED";
        if (head.StartsWith("KDMV"u8) || head.StartsWith("# Disk DescriptorFile"u8)) return "VMDK";
        if (head.StartsWith("vhdxfile"u8)) return "VHDX";
        if (head.StartsWith("conectix"u8)) return "VHD";
        if (head.StartsWith((ReadOnlySpan<byte>)[(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xba, 0xbe])) return "LUKS";
        if (head.StartsWith("OOOM"u8)) return "qcow (version 1)";
        if (head.Length >= 68 && BinaryPrimitives.ReadUInt32LittleEndian(head[64..]) == 0xbeda107f) return "VDI";
        return null;
    }

    /// <summary>
    /// Opens volume <paramref name="reference"/> for download (like <c>virsh vol-download</c>). Refused for an overlay
    /// (its file alone is not the disk) and for a disk of a running VM (the copy would not be consistent). Until the
    /// result is disposed the volume counts as being read: deleting or resizing it is refused.
    /// </summary>
    public async Task<VolumeContent> OpenContentAsync(string reference, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var (pool, volume) = FindVolume(reference);
            if (volume.BackingPool is not null)
                throw new InvalidStateException(
                    $"volume \"{reference}\" is a linked clone: its file holds only the changes on its backing volume {StorageNames.Reference(volume.BackingPool, volume.BackingName!)}, so alone it is not the disk")
                {
                    Hint = $"Make a stand-alone copy and download that: vireo vol convert {reference} {volume.Pool}/NEW --format qcow2 (or vireo vol clone)",
                };
            var running = UsersOf(pool, volume).Where(v => v.Running).Select(v => v.Spec.Name).ToList();
            if (running.Count > 0)
                throw new InvalidStateException(
                    $"volume \"{reference}\" is a disk of running VM{(running.Count == 1 ? "" : "s")} {Names(running)}; a copy of a disk being written is not consistent")
                {
                    Hint = $"Shut {(running.Count == 1 ? "it" : "them")} down first, or take a backup (vireo backup {running[0]} DIR) and use that.",
                };
            var path = Path.Combine(pool.Path, volume.Name);
            Stream stream;
            try
            {
                stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidStateException($"volume \"{reference}\" cannot be read: {e.Message}");
            }
            var key = (volume.Pool, volume.Name);
            _reading[key] = _reading.GetValueOrDefault(key) + 1;
            return new VolumeContent(stream, volume.Name, volume.Format, async () =>
            {
                await _lock.WaitAsync(CancellationToken.None);
                try
                {
                    Unread(key);
                }
                finally
                {
                    _lock.Release();
                }
            });
        }
        finally
        {
            _lock.Release();
        }
    }
}
