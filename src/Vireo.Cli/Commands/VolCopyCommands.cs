using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo vol import|convert|clone</c>: long operations with progress, cancelled on vireod by Ctrl-C.</summary>
internal static class VolCopyCommands
{
    private const string LongOperationNotes =
        """
        Progress shows as a bar on a terminal and as `progress: N%` lines on stderr otherwise. Ctrl-C cancels the
        operation on vireod as well and waits until it has removed its partial file (exit 130); with --no-wait the
        command prints the operation and returns at once (follow it with `vireo operation wait ID`, stop it with
        `vireo operation cancel ID`). --rate-limit caps the read rate (e.g. 50M per second) to spare a busy host's
        disks.
        """;

    public static Command Import(CliApp app)
    {
        var volume = VolCommand.VolumeArgument(description: "The new volume, POOL/NAME");
        var from = Opt.Path("--from", "Path of the image file to copy in (left as it is)", required: true);
        var sourceFormat = Opt.Choice("--source-format", "The file's format, raw or qcow2: required, Vireo never guesses it", "raw", "qcow2");
        sourceFormat.Required = true;
        var format = Opt.Choice("--format", "Format of the new volume (default: the source format)", "raw", "qcow2");
        var command = Long(app, "import", "Copy an image file into a pool as a new volume",
            """
            Copies (or converts, with --format) an existing image into the pool with qemu-img convert -f SOURCE_FORMAT.
            The source format is required and is never probed: a raw file that starts with a qcow2 header stays raw.
            A qcow2 source whose backing file has no recorded format is refused (record it with qemu-img rebase -u -F);
            a backing chain is flattened into the new volume.
            """ + "\n" + LongOperationNotes,
            ["vireo vol import default/debian.qcow2 --from /srv/images/debian-12.qcow2 --source-format qcow2",
             "vireo vol import default/disk.raw --from /dev/vg0/old --source-format raw"]);
        command.Add(volume);
        command.Add(from);
        command.Add(sourceFormat);
        command.Add(format);
        SetAction(app, command, "Importing", parse => parse.GetValue(volume)!, (client, parse, ct) =>
        {
            var path = parse.GetValue(from)!;
            return client.ImportVolumeAsync(StorageText.Volume(parse.GetValue(volume)), new VolumeImportRequest
            {
                From = Vireo.Cli.Create.Paths.Absolute(path, app.Env.CurrentDirectory),
                SourceFormat = parse.GetValue(sourceFormat)!,
                Format = parse.GetValue(format),
                RateLimit = Rate(command, parse),
            }, ct);
        });
        return command;
    }

    public static Command Convert(CliApp app)
    {
        var source = VolCommand.VolumeArgument("SOURCE", "The volume to convert, POOL/NAME (left as it is)");
        var destination = VolCommand.VolumeArgument("DESTINATION", "The new volume, POOL/NAME (any pool)");
        var format = Opt.Choice("--format", "Format of the new volume", "raw", "qcow2");
        format.Required = true;
        var command = Long(app, "convert", "Copy a volume into a new volume of another format",
            """
            Like `qemu-img convert -f FMT -O FMT` between two volumes. The copy is sparse (zeroed ranges are not
            written) and stands alone: an overlay's backing chain is flattened into it. The source must not be in use
            by a running VM.
            """ + "\n" + LongOperationNotes,
            ["vireo vol convert default/web1.qcow2 default/web1.raw --format raw",
             "vireo vol convert default/disk.raw fast/disk.qcow2 --format qcow2"]);
        command.Add(source);
        command.Add(destination);
        command.Add(format);
        SetAction(app, command, "Converting", parse => parse.GetValue(destination)!, (client, parse, ct) =>
            client.ConvertVolumeAsync(StorageText.Volume(parse.GetValue(source), "source"), new VolumeCopyRequest
            {
                Destination = StorageText.Volume(parse.GetValue(destination), "destination"),
                Format = parse.GetValue(format),
                RateLimit = Rate(command, parse),
            }, ct));
        return command;
    }

    public static Command Clone(CliApp app)
    {
        var source = VolCommand.VolumeArgument("SOURCE", "The volume to copy, POOL/NAME (left as it is)");
        var destination = VolCommand.VolumeArgument("DESTINATION", "The new volume, POOL/NAME (any pool)");
        var command = Long(app, "clone", "Make a full copy of a volume",
            """
            Like `virsh vol-clone`: a full, sparse copy in the same format, standing alone (an overlay is flattened).
            For a linked copy that shares unchanged data, use `vireo vol create NEW --backing SOURCE` instead. The
            source must not be in use by a running VM.
            """ + "\n" + LongOperationNotes,
            ["vireo vol clone default/base.qcow2 default/web3.qcow2"]);
        command.Add(source);
        command.Add(destination);
        SetAction(app, command, "Cloning", parse => parse.GetValue(destination)!, (client, parse, ct) =>
            client.CloneVolumeAsync(StorageText.Volume(parse.GetValue(source), "source"), new VolumeCopyRequest
            {
                Destination = StorageText.Volume(parse.GetValue(destination), "destination"),
                RateLimit = Rate(command, parse),
            }, ct));
        return command;
    }

    private static Command Long(CliApp app, string name, string summary, string details, string[] examples)
    {
        var command = app.Docs.Create(name, summary, details, examples);
        command.Add(Opt.Bytes("--rate-limit", "Read at most this much per second, with a binary unit: 50M, 1G"));
        command.Add(Opt.Flag("--no-wait", "Print the started operation and return at once"));
        command.Add(OutputFormat.CreateOption());
        return command;
    }

    /// <summary>--rate-limit as the API takes it: an exact size per second (<c>50MiB</c>), or null.</summary>
    private static string? Rate(Command command, ParseResult parse) =>
        parse.GetValue((Option<long?>)command.Options.First(o => o.Name == "--rate-limit")) is { } bytes ? SizeParser.Format(bytes) : null;

    private static void SetAction(CliApp app, Command command, string verb, Func<ParseResult, string> target,
        Func<VireoClient, ParseResult, CancellationToken, Task<OperationInfo>> start)
    {
        var noWait = (Option<bool>)command.Options.First(o => o.Name == "--no-wait");
        var output = (Option<string>)command.Options.First(o => o.Name == "--output");
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var operation = await start(client, parse, ct).ConfigureAwait(false);
            var json = parse.GetValue(output) == OutputFormat.Json;
            if (parse.GetValue(noWait))
                return OperationCommand.Started(app, operation, json);
            // Read the result's type metadata now, while the copy runs, not between its end and the exit (~0.3 ms).
            _ = VireoJsonContext.Default.VolumeInfo;
            var done = await OperationCommand.FollowAsync(app, client, operation, $"{verb} {target(parse)}", "no partial volume was left", ct).ConfigureAwait(false);
            var volume = VireoClient.VolumeResult(done);
            if (json && volume is not null)
                OutputFormat.WriteJson(app.Env, volume, VireoJsonContext.Default.VolumeInfo);
            else if (volume is not null)
                app.Env.Out.WriteLine($"Volume {volume.Volume} created ({volume.Format}, {StorageText.Bytes(volume.VirtualSizeBytes)})");
            return ExitCodes.Ok;
        }));
    }
}
