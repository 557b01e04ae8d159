using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo vol upload|download</c>: a volume's bytes to and from a local file, streamed over the API (local or remote).</summary>
internal static class VolTransferCommands
{
    private const string ProgressNotes =
        """
        The bytes stream over vireod's API, so this works the same against a remote vireod (--connect). Progress shows
        as a bar on a terminal and as `progress: N%` lines on stderr otherwise.
        """;

    public static Command Upload(CliApp app)
    {
        var volume = VolCommand.VolumeArgument(description: "The new volume, POOL/NAME");
        var file = Arg.Path("FILE", "The image file to send, or - for stdin");
        var format = Opt.Choice("--format", "The file's format, raw or qcow2: required, Vireo never guesses it", "raw", "qcow2");
        format.Required = true;
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("upload", "Create a volume from a local image file",
            """
            Like `virsh vol-upload` into a new volume (an existing name is refused). vireod writes the bytes to a
            temporary file in the pool, bounded by the pool's free space, then checks them against --format before the
            volume appears: a qcow2 must start with a qcow2 header and have no backing file nor external data file
            (flatten it first with `qemu-img convert -O qcow2`); a file uploaded as raw that is a qcow2 or another image
            format is refused. A refused or interrupted upload (Ctrl-C) leaves nothing in the pool.
            """ + "\n" + ProgressNotes,
            "vireo vol upload default/debian.qcow2 ~/debian-12.qcow2 --format qcow2",
            "xz -dc disk.raw.xz | vireo vol upload default/disk.raw - --format raw");
        command.Add(volume);
        command.Add(file);
        command.Add(format);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var reference = StorageText.Volume(parse.GetValue(volume));
            var path = parse.GetValue(file)!;
            Stream source;
            long? length = null;
            if (path == "-")
            {
                source = app.Env.Stdin;
            }
            else
            {
                var full = Path.GetFullPath(path, app.Env.CurrentDirectory);
                try
                {
                    source = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    length = source.Length;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CliUsageException($"cannot read image file {path}: {FileErrors.Why(ex, full)}");
                }
            }
            VolumeInfo v;
            await using (source.ConfigureAwait(false))
            {
                v = await ProgressReporter.Create(app.Env).RunAsync($"Uploading {reference}", (progress, token) =>
                    client.UploadVolumeAsync(reference, parse.GetValue(format)!, source, length,
                        length is > 0 ? new Progress<long>(sent => progress.Report((double)sent / length.Value)) : null, token), ct).ConfigureAwait(false);
            }
            if (parse.GetValue(output) == OutputFormat.Json)
                OutputFormat.WriteJson(app.Env, v, VireoJsonContext.Default.VolumeInfo);
            else
                app.Env.Out.WriteLine($"Volume {v.Volume} uploaded ({v.Format}, {StorageText.Bytes(v.VirtualSizeBytes)})");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Download(CliApp app)
    {
        var volume = VolCommand.VolumeArgument(description: "The volume to copy out, POOL/NAME (left as it is)");
        var file = Arg.Path("FILE", "Where to write it, or - for stdout");
        var force = Opt.Flag("--force", "Replace FILE if it exists");
        var command = app.Docs.Create("download", "Copy a volume into a local file",
            """
            Like `virsh vol-download`: the volume's file as it is (a qcow2 stays qcow2; its format is printed). The file
            is written under a temporary name next to FILE and renamed when complete, so FILE is never left half
            written; an existing FILE is kept unless --force. Refused for a linked clone (its file holds only the
            changes on its backing volume: make a stand-alone copy with `vireo vol convert` first) and for a disk of a
            running VM (the copy would not be consistent: shut it down, or back it up).
            """ + "\n" + ProgressNotes,
            "vireo vol download default/web1.qcow2 web1.qcow2",
            "vireo vol download default/disk.raw - | zstd > disk.raw.zst");
        command.Add(volume);
        command.Add(file);
        command.Add(force);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var reference = StorageText.Volume(parse.GetValue(volume));
            var path = parse.GetValue(file)!;
            string? full = null;
            if (path != "-")
            {
                full = Path.GetFullPath(path, app.Env.CurrentDirectory);
                if (Directory.Exists(full))
                    throw new CliUsageException($"cannot write {path}: it is a directory; give a file name");
                if (File.Exists(full) && !parse.GetValue(force))
                    throw new CliUsageException($"{path} already exists; give another name, or --force to replace it");
                if (Path.GetDirectoryName(full) is { } dir && !Directory.Exists(dir))
                    throw new CliUsageException($"cannot write {path}: no such directory: {dir}");
            }
            var (content, length, format) = await client.DownloadVolumeAsync(reference, ct).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                if (full is null)
                {
                    await CopyAsync(content, app.Env.Stdout, length, new PlainProgressReporter.LineSink(TextWriter.Null), ct).ConfigureAwait(false);
                    await app.Env.Stdout.FlushAsync(ct).ConfigureAwait(false);
                    return ExitCodes.Ok;
                }
                var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.vireo-part-{Guid.NewGuid():N}"[..^24]);
                try
                {
                    await ProgressReporter.Create(app.Env).RunAsync($"Downloading {reference}", async (progress, token) =>
                    {
                        await using var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
                        await CopyAsync(content, target, length, progress, token).ConfigureAwait(false);
                        target.Flush(flushToDisk: true);
                        return true;
                    }, ct).ConfigureAwait(false);
                    File.Move(temp, full, overwrite: parse.GetValue(force));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new CliUsageException($"cannot write {path}: {ex.Message}");
                }
                finally
                {
                    try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
                app.Env.Out.WriteLine($"Volume {reference} downloaded to {path} ({format ?? "?"}, {StorageText.Bytes(new FileInfo(full).Length)})");
                return ExitCodes.Ok;
            }
        }));
        return command;
    }

    private static async Task CopyAsync(Stream from, Stream to, long? length, IProgress<double> progress, CancellationToken ct)
    {
        var buffer = new byte[1 << 20];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            total += n;
            if (length is > 0)
                progress.Report((double)total / length.Value);
        }
        if (length is { } expected && total != expected)
            throw new IOException($"the download ended after {total} of {expected} bytes; nothing was kept");
    }
}
