using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo image list|info|import|delete|build</c>: the images catalogue (docs/images.md).</summary>
internal static class ImageCommand
{
    public static Command Create(CliApp app)
    {
        var image = app.Docs.Create("image", "Manage the images catalogue: base images VMs are made from",
            """
            The catalogue holds the built-in kernel image tiny (kind kernel: a kernel and initramfs Vireo boots
            directly) and disk images (kind disk): base disks kept read-only in the storage pool "images"
            (STATE_DIR/pools/images, files mode 0444). `vireo create --image NAME` gives a VM a new volume layered on
            the base (a linked clone, the default) or a full copy of it (--image NAME,clone=full), with the image's
            OS, firmware and declared hardware as defaults. Images come from `vireo image import` (qcow2, raw,
            vmdk, vdi, vhdx, OVA, OVF) or `vireo image build` (debian-12). docs/images.md tells more.
            """,
            "vireo image list",
            "vireo image import ./appliance.ova --name web-appliance --os debian12",
            "vireo create --name web1 --image debian-12 --disk size=20G");
        image.Add(List(app));
        image.Add(Info(app));
        image.Add(Import(app));
        image.Add(Delete(app));
        image.Add(Build(app));
        return image;
    }

    private static Command List(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List the images",
            """
            Every image with its kind (kernel or disk), OS, virtual size, the format it was imported from, the VMs
            made from it and its description. A kernel image that is not built yet says how to build it.
            With -o json: the API's ImageInfo array.
            """,
            "vireo image list",
            "vireo image list -o json | jq -r '.[] | select(.kind == \"disk\") | .name'");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var list = await client.ListImagesAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, list.ToList(), VireoJsonContext.Default.ListImageInfo);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("NAME").Column("KIND").Column("OS").Column("SIZE").Column("FROM").Column("VMS").Column("DESCRIPTION", wraps: true);
            foreach (var i in list)
                table.Row(i.Name, i.Kind, i.Os ?? "-", i.VirtualSizeBytes is null ? "-" : StorageText.Bytes(i.VirtualSizeBytes),
                    i.SourceFormat ?? "-", i.UsedBy.Count == 0 ? "-" : i.UsedBy.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    i.Description ?? "-");
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Info(CliApp app)
    {
        var name = Arg.Name("NAME", "The image");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show one image",
            """
            The image's kind, OS, firmware, base volumes and their sizes, the file it was imported from and in which
            format, the hardware its OVF declared (vCPUs, memory, NICs: the defaults `vireo create --image` uses),
            its build recipe, and the VMs that use it. An unknown NAME exits with status 3 and lists the known ones.
            With -o json: the API's ImageInfo.
            """,
            "vireo image info debian-12",
            "vireo image info appliance -o json | jq .hardware");
        command.Add(name);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var i = await client.GetImageAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, i, VireoJsonContext.Default.ImageInfo);
                return ExitCodes.Ok;
            }
            var grid = new DetailList();
            void Row(string key, string? value) => grid.Row(key, string.IsNullOrEmpty(value) ? "-" : value);
            Row("Name", i.Name);
            Row("Kind", i.Kind);
            Row("Available", i.Available ? "yes" : "no");
            Row("Description", i.Description);
            Row("OS", i.Os);
            Row("Firmware", string.Join(", ", i.Firmware));
            Row("Format", i.Format);
            Row("Imported from", i.Source is null ? null : $"{i.Source}{(i.SourceFormat is null ? "" : $" ({i.SourceFormat})")}");
            Row("Volumes", string.Join(", ", i.Volumes));
            Row("Location", i.Location);
            if (i.VirtualSizeBytes is not null) Row("Virtual size", StorageText.Bytes(i.VirtualSizeBytes));
            if (i.ActualSizeBytes is not null) Row("On disk", StorageText.Bytes(i.ActualSizeBytes));
            if (i.CreatedAt is { } at) Row("Created", at.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
            if (i.Hardware is { } hw)
            {
                Row("vCPUs (declared)", hw.Vcpus?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Row("Memory (declared)", hw.Memory is { } m ? $"{m} MiB" : null);
                Row("NICs (declared)", string.Join("; ", hw.Nics.Select(n => $"{n.DeclaredModel ?? "?"} on {(string.IsNullOrEmpty(n.Network) ? "?" : n.Network)} -> {n.Model}")));
                Row("Disks (declared)", hw.Disks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Row("Recipe", i.Recipe);
            Row("Used by", string.Join(", ", i.UsedBy));
            grid.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Import(CliApp app)
    {
        var file = Arg.Path("FILE", "The image file: qcow2, raw, vmdk, vdi, vhdx, an OVA or an OVF descriptor");
        var name = Opt.Name("--name", "Name of the new image: letters, digits, '.', '_', '-'", required: true);
        var os = Opt.Name("--os", "Its OS, an osinfo id (debian12, win10; see vireo os list): required", "ID");
        os.Required = true;
        var format = Opt.Choice("--format", "Its format [default: read from the file's header; raw only from a .raw or .img name]",
            "qcow2", "raw", "vmdk", "vdi", "vhdx", "ova", "ovf");
        var description = Opt.Text("--description", "One line about it", "TEXT");
        var firmware = Opt.Choice("--firmware", "Firmware it boots with [default: unknown, VMs get BIOS]", "bios", "uefi");
        var noWait = Opt.Flag("--no-wait", "Print the started operation and return at once");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("import", "Import an image file into the catalogue",
            """
            Copies FILE into the pool "images" as a read-only qcow2 base volume, converting it with
            `qemu-img convert -f FORMAT -O qcow2` (FILE itself is left as it is). The format is --format, or read
            from the file's header here, on the host (qcow2, vmdk, vdi and vhdx have magic numbers, an OVA is a tar,
            an OVF is XML); a raw image has no header, so it needs --format raw or a .raw/.img name. The format is
            then always named to qemu-img: QEMU never guesses it. A VMDK text descriptor that points at separate
            extent files is refused, and so is an image with a backing file.
            An OVA or OVF appliance: its descriptor is read (no DTD, no external entities), each disk it declares
            is converted (the first is the root disk), and the vCPUs, memory and NICs it declares are recorded:
            `vireo image info` shows them, and `vireo create --image` uses them as defaults.
            --os is checked against the osinfo database (vireo os list); an unknown id suggests the nearest ones.
            Bad input (a missing file, an unknown or mismatched format, a corrupt header, a name taken) is refused
            before anything is made; a failure or Ctrl-C leaves no partial file in the pool.
            Progress shows as a bar on a terminal and as `progress: N%` lines on stderr otherwise.
            """,
            "vireo image import ./debian-12-generic-amd64.qcow2 --name debian-cloud --os debian12",
            "vireo image import ./disk.raw --name legacy --os centos7.0 --format raw",
            "vireo image import ./web.ova --name web-appliance --os ubuntu22.04",
            "vireo image import ./win.vhdx --name win2019 --os win2k19 --firmware uefi");
        foreach (Symbol s in new Symbol[] { file, name, os, format, description, firmware, noWait, output })
            Add(command, s);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var fw = parse.GetValue(firmware);
            var operation = await client.ImportImageAsync(new ImageImportRequest
            {
                Name = parse.GetValue(name)!,
                From = Vireo.Cli.Create.Paths.Absolute(parse.GetValue(file)!, app.Env.CurrentDirectory),
                Os = parse.GetValue(os)!,
                Format = parse.GetValue(format),
                Description = parse.GetValue(description),
                Firmware = fw is null ? [] : [fw],
            }, ct).ConfigureAwait(false);
            var json = parse.GetValue(output) == OutputFormat.Json;
            if (parse.GetValue(noWait))
                return OperationCommand.Started(app, operation, json);
            var done = await OperationCommand.FollowAsync(app, client, operation, $"Importing {parse.GetValue(name)}", "no partial file was left", ct).ConfigureAwait(false);
            Report(app, VireoClient.ImageResult(done), json);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Report(CliApp app, ImageInfo? image, bool json)
    {
        if (image is null)
            return;
        if (json)
            OutputFormat.WriteJson(app.Env, image, VireoJsonContext.Default.ImageInfo);
        else
            app.Env.Out.WriteLine($"Image {image.Name} imported: {string.Join(", ", image.Volumes)} ({image.Format}, {StorageText.Bytes(image.VirtualSizeBytes)}, from {image.SourceFormat}).");
    }

    private static Command Delete(CliApp app)
    {
        var name = Arg.Name("NAME", "The image");
        var command = app.Docs.Create("delete", "Delete a disk image and its base volumes",
            """
            Removes the image from the catalogue and deletes its read-only base volumes. Refused while any VM uses
            it (a disk layered on it, or a VM made from it as a full copy): the message names those VMs; undefine
            them first. Also refused while a volume is still layered on it. The built-in tiny cannot be deleted.
            """,
            "vireo image delete web-appliance");
        command.Add(name);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            await client.DeleteImageAsync(parse.GetValue(name)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Image {parse.GetValue(name)} deleted.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Build(CliApp app)
    {
        var name = Arg.Name("NAME", "The image to build: tiny or debian-12");
        var force = Opt.Flag("--force", "Rebuild even when the cached build has the same recipe");
        var command = app.Docs.Create("build", "Build one of Vireo's own images and register it",
            """
            Runs the image's build script (guest/build-NAME.sh) on this host, into vireod's image cache directory
            (IMAGE_DIR/NAME, default /var/cache/vireo/images). The script is looked up in $VIREO_GUEST_DIR, then in
            the guest/ directory of the source checkout this vireo binary was built in, then in
            /usr/share/vireo/guest (where scripts/install.sh puts it). A build is keyed on its recipe: when
            nothing changed, the script returns at once. A disk image (debian-12) is then imported into the
            catalogue, replacing an older registration of another recipe if no VM uses it. vireod also registers
            built disk images it finds in the cache directory when it starts (register-on-sight).
            Needs root (debootstrap) and the packages of scripts/deps.sh.
            """,
            "vireo image build debian-12",
            "vireo image build tiny --force");
        command.Add(name);
        command.Add(force);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            app.RequireLocal(parse, "`vireo image build` runs a build script on this machine and writes into vireod's image cache, so it");
            var image = parse.GetValue(name)!;
            var host = await client.GetHostAsync(ct).ConfigureAwait(false);
            var imageDir = host.Images.FirstOrDefault(i => i.Location is not null)?.Location is { } tinyDir
                ? Path.GetDirectoryName(tinyDir)! : "/var/cache/vireo/images";
            var script = FindScript(image);
            if (script is null)
            {
                app.Env.Error.WriteLine($"error: no build script for image \"{image}\": {(BuildScripts.TryGetValue(image, out var known) ? $"looked for {known} in {string.Join(", ", ScriptDirs())}" : "Vireo builds only " + string.Join(" and ", BuildScripts.Keys))}");
                app.Env.Error.WriteLine("hint: images Vireo builds: tiny, debian-12; import other images with vireo image import");
                return ExitCodes.NotFound;
            }
            var outDir = Path.Combine(imageDir, image);
            app.Env.Out.WriteLine($"Building {image} with {script} into {outDir}...");
            var start = new ProcessStartInfo("bash") { UseShellExecute = false };
            foreach (var a in new[] { script, "--out", outDir }.Concat(parse.GetValue(force) ? ["--force"] : Array.Empty<string>()))
                start.ArgumentList.Add(a);
            using (var process = Process.Start(start)!)
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    app.Env.Error.WriteLine($"error: {script} failed (exit status {process.ExitCode}); nothing was registered");
                    return ExitCodes.Failed;
                }
            }
            var request = BuiltRequest(outDir);
            if (request is null)
            {
                app.Env.Out.WriteLine($"Image {image} built in {outDir} (a kernel image: vireod uses it from there).");
                return ExitCodes.Ok;
            }
            // vireod registers built images it finds at start (register-on-sight): follow that import rather than race it.
            var underWay = (await client.ListOperationsAsync(ct).ConfigureAwait(false))
                .FirstOrDefault(o => o.Kind == "image-import" && o.Target == request.Name && o.Status == OperationStatus.Running);
            if (underWay is not null)
                await OperationCommand.FollowAsync(app, client, underWay, $"Registering {request.Name} (started by vireod)", "no partial file was left", ct).ConfigureAwait(false);
            var registered = (await client.ListImagesAsync(ct).ConfigureAwait(false)).FirstOrDefault(i => i.Name == request.Name);
            if (registered is not null && registered.Recipe == request.Recipe)
            {
                app.Env.Out.WriteLine($"Image {request.Name} is registered with this recipe already ({registered.Volume}).");
                return ExitCodes.Ok;
            }
            var operation = await client.ImportImageAsync(request, ct).ConfigureAwait(false);
            var done = await OperationCommand.FollowAsync(app, client, operation, $"Registering {request.Name}", "no partial file was left", ct).ConfigureAwait(false);
            Report(app, VireoClient.ImageResult(done), json: false);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>
    /// <c>vireo create --image tiny</c> on a host where tiny is not built yet (a fresh package install): builds it
    /// here first, with the build script's progress shown, as `vireo image build tiny` would. Does nothing when the
    /// image is built, when vireod is remote, or when this is not root (vireod's answer then says how to build it).
    /// </summary>
    internal static async Task BuildAtFirstUseAsync(CliApp app, ParseResult parse, VireoClient client, string image, CancellationToken ct)
    {
        if (!BuildScripts.ContainsKey(image) || app.Target(parse).IsRemote)
            return;
        var info = (await client.GetHostAsync(ct).ConfigureAwait(false)).Images.FirstOrDefault(i => i.Name == image);
        if (info is null || info.Available || info.Location is null)
            return;
        if (!Environment.IsPrivilegedProcess)
        {
            app.Env.Error.WriteLine($"note: the {image} image is not built yet, and building it needs root: sudo vireo image build {image}");
            return;
        }
        var script = FindScript(image);
        if (script is null)
            return;
        app.Env.Out.WriteLine($"The {image} image is not built yet: building it now with {script} into {info.Location} " +
                              "(once; it downloads Debian's kernel and busybox)...");
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        foreach (var a in new[] { script, "--out", info.Location })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        // A failed build leaves the image unbuilt: vireod's refusal that follows gives the exit status and the hint.
        if (process.ExitCode != 0)
            app.Env.Error.WriteLine($"warning: building the {image} image failed ({script} exited with status {process.ExitCode}, output above)");
    }

    /// <summary>Where build scripts are looked for, in order.</summary>
    internal static IEnumerable<string> ScriptDirs()
    {
        if (Environment.GetEnvironmentVariable("VIREO_GUEST_DIR") is { Length: > 0 } env)
            yield return env;
        // The source checkout this binary was built in: bin/... under the repository root.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "guest", "build-tiny.sh")))
            {
                yield return Path.Combine(dir.FullName, "guest");
                break;
            }
        }
        yield return "/usr/share/vireo/guest";
    }

    /// <summary>The images Vireo builds, and their scripts (debian-12 is built by build-debian.sh, keyed on its recipe).</summary>
    private static readonly Dictionary<string, string> BuildScripts = new(StringComparer.Ordinal)
    {
        ["tiny"] = "build-tiny.sh",
        ["debian-12"] = "build-debian.sh",
    };

    private static string? FindScript(string image) =>
        BuildScripts.TryGetValue(image, out var script) ? ScriptDirs().Select(d => Path.Combine(d, script)).FirstOrDefault(File.Exists) : null;

    /// <summary>The import request for a build's image.json (a disk image), or null (a kernel image).</summary>
    private static ImageImportRequest? BuiltRequest(string dir)
    {
        var manifest = Path.Combine(dir, "image.json");
        if (!File.Exists(manifest))
            return null;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        var root = doc.RootElement;
        string? S(string key) => root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (S("disk") is not { } disk || disk.Contains('/'))
            return null;
        return new ImageImportRequest
        {
            Name = S("name") ?? Path.GetFileName(dir),
            From = Path.Combine(dir, disk),
            Os = S("os") ?? "",
            Format = S("format") ?? "qcow2",
            Description = S("description"),
            Firmware = root.TryGetProperty("firmware", out var fw) && fw.ValueKind == JsonValueKind.Array
                ? fw.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList() : [],
            Recipe = root.TryGetProperty("recipe", out var r) ? r.ValueKind == JsonValueKind.String ? r.GetString() : r.GetRawText() : null,
            Replace = true,
        };
    }

    private static void Add(Command command, Symbol symbol)
    {
        switch (symbol)
        {
            case Argument a: command.Add(a); break;
            case Option o: command.Add(o); break;
        }
    }
}
