using Vireo.Cli.Commands;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>vireo create --image NAME[,clone=linked|full]</c>. A kernel image (tiny) keeps its direct kernel boot. A disk
/// image of the catalogue gives the VM a new first disk, <c>POOL/VM-root.qcow2</c>: a qcow2 overlay on the image's
/// read-only base (<c>clone=linked</c>, the default; Incus and virt-clone call this a linked or thin copy) or a full,
/// stand-alone copy of it (<c>clone=full</c>). A first <c>--disk size=S[,pool=P]</c> sizes (and places) that disk
/// instead of adding one. The image's OS, firmware and declared hardware (OVF) fill what the flags leave out.
/// </summary>
internal static class ImageOption
{
    public const string Flag = "--image";
    /// <summary>Vireo's built-in kernel images (vireod's ImageCatalog.KnownImages).</summary>
    private static readonly string[] BuiltInKernelImages = ["tiny"];
    private const string Accepted = "Accepted: NAME, NAME,clone=linked (a disk layered on the image, the default) or NAME,clone=full (a full copy).";

    /// <summary>What <c>--image</c> asked for.</summary>
    public sealed record Choice(string Name, bool Full, bool CloneGiven);

    /// <summary>A new volume made from an image before the VM is defined.</summary>
    public sealed record NewDisk(string Pool, string Name, string Base, string? Size, bool Full)
    {
        public string Volume => $"{Pool}/{Name}";
    }

    public static Choice? Parse(string? text)
    {
        if (text is null)
            return null;
        var items = KeyValueList.Parse(Flag, text, Accepted);
        if (items.Count == 0 || items[0].Key is not null || items[0].Value.Length == 0)
            throw KeyValueList.Error(Flag, text, "the image name comes first", Accepted);
        var full = false;
        var given = false;
        foreach (var item in items.Skip(1))
        {
            if (item.Key != "clone")
                throw KeyValueList.Error(Flag, text, $"unknown item \"{item.Key ?? item.Value}\"", Accepted);
            full = item.Value switch
            {
                "linked" => false,
                "full" => true,
                _ => throw KeyValueList.Error(Flag, text, $"clone=\"{item.Value}\" is not linked or full", Accepted),
            };
            given = true;
        }
        return new Choice(items[0].Value, full, given);
    }

    /// <summary>
    /// For a disk image: the plan with its new first disk (and the image's defaults), the <c>--disk size=</c> volumes
    /// still to make, and the disks to make from the image. A kernel image leaves everything as it is. An unknown
    /// image is vireod's not_found, which lists the known names; nothing has been made then.
    /// </summary>
    public static async Task<(CreatePlan Plan, IReadOnlyList<(string Pool, VolumeCreateRequest Request)> NewVolumes, IReadOnlyList<NewDisk> Disks)> ApplyAsync(
        VireoClient client, Choice choice, CreateFlags flags, CreatePlan plan, IReadOnlyList<(string Pool, VolumeCreateRequest Request)> newVolumes, string cwd, CancellationToken ct)
    {
        // The built-in kernel image needs no lookup: vireod fills in its boot files, as before the catalogue.
        if (BuiltInKernelImages.Contains(choice.Name))
        {
            if (choice.CloneGiven)
                throw new CliUsageException($"{Flag} {choice.Name}: clone= is for disk images; {choice.Name} is a kernel image that vireod boots directly.");
            return (plan, newVolumes, []);
        }
        var image = await client.GetImageAsync(choice.Name, ct).ConfigureAwait(false);
        if (image.Kind != "disk")
        {
            if (choice.CloneGiven)
                throw new CliUsageException($"{Flag} {choice.Name}: clone= is for disk images; {choice.Name} is a kernel image that vireod boots directly.");
            return (plan, newVolumes, []);
        }
        if (image.Volume is null)
            throw new CliUsageException($"{Flag} {choice.Name}: the image has no base volume.");
        if (flags.Import)
            throw new CliUsageException($"{Flag} {choice.Name} gives the VM an installed disk already; --import is for a disk of your own (--disk vol=POOL/NAME): remove --import.");

        var spec = plan.Spec;
        var leaveOut = plan.LeaveOut.ToList();
        var planned = plan.NewVolumes.ToList();
        // A first --disk size=S[,pool=P] is the root disk's size and pool, not one more disk.
        string pool = "default";
        string? size = null;
        var disks = spec.Disks.ToList();
        var volumes = newVolumes.ToList();
        if (flags.Disks.Count > 0 && !flags.Disks[0].Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
            && DiskOption.ParseFull(flags.Disks[0], cwd).Create is not null && volumes.Count > 0)
        {
            pool = volumes[0].Pool;
            size = volumes[0].Request.Size;
            if (SizeParser.TryParse(size, out var bytes, out _) && image.VirtualSizeBytes is { } baseSize && bytes < baseSize)
                throw new CliUsageException($"--disk size={size}: smaller than the image {choice.Name} ({StorageText.Bytes(baseSize)}); " +
                    $"the first --disk size= sizes the disk made from the image, so give at least {StorageText.Bytes(baseSize)} or leave it out.");
            disks.RemoveAt(0);
            volumes.RemoveAt(0);
            planned.RemoveAt(0);
        }
        var made = new List<NewDisk> { new(pool, $"{flags.Name}-root.qcow2", image.Volume, size, choice.Full) };
        // An appliance's further disks come along, each made the same way.
        made.AddRange(image.Volumes.Skip(1).Select((v, i) => new NewDisk(pool, $"{flags.Name}-img{i + 2}.qcow2", v, null, choice.Full)));
        disks.InsertRange(0, made.Select(d => new DiskSpec { Volume = d.Volume }));
        spec = spec with { Disks = disks };
        // vireod's dry run checks the spec as if these volumes existed already.
        planned.InsertRange(0, made.Select(d => new PlannedVolume(d.Pool, d.Name, d.Size, "qcow2")));

        var hw = image.Hardware;
        // The built-in kernel image's small default (128 MiB) does not fit a real OS: the declared memory, else 1 GiB.
        spec = spec with { Memory = flags.Memory ?? hw?.Memory ?? 1024 };
        leaveOut.Remove("memory");
        if (flags.Vcpus is null && hw?.Vcpus is { } vcpus)
            spec = spec with { Vcpus = vcpus };
        // The image's OS is the VM's (its osinfo defaults then fill what is still open), unless --os says otherwise.
        if (flags.Os is null && image.Os is { Length: > 0 } os)
            spec = spec with { Os = os };
        if (leaveOut.Contains("boot.firmware") && image.Firmware is ["uefi", ..])
        {
            spec = spec with { Boot = spec.Boot with { Firmware = "uefi" } };
            leaveOut.Remove("boot.firmware");
        }
        if (flags.Networks.Count == 0 && hw?.Nics is { Count: > 0 } nics)
        {
            spec = spec with { Nics = nics.Select(n => new NicSpec { Type = "network", Network = "default", Model = n.Model }).ToList() };
            leaveOut.RemoveAll(p => p.StartsWith("nics[", StringComparison.Ordinal));
        }
        return (new CreatePlan(spec, planned, leaveOut), volumes, made);
    }

    /// <summary>Makes one disk from the image: an overlay on its base, or a full copy (followed, with progress) grown to the size asked.</summary>
    public static async Task CreateAsync(CliApp app, VireoClient client, NewDisk disk, CancellationToken ct)
    {
        if (!disk.Full)
        {
            var volume = await client.CreateVolumeAsync(disk.Pool, new VolumeCreateRequest
            {
                Name = disk.Name,
                Format = "qcow2",
                Backing = disk.Base,
                Size = disk.Size,
            }, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Volume {volume.Volume} created (qcow2, {StorageText.Bytes(volume.VirtualSizeBytes)}, linked to {disk.Base}).");
            return;
        }
        var operation = await client.CloneVolumeAsync(disk.Base, new VolumeCopyRequest { Destination = disk.Volume }, ct).ConfigureAwait(false);
        await OperationCommand.FollowAsync(app, client, operation, $"Copying {disk.Base}", "no partial volume was left", ct).ConfigureAwait(false);
        if (disk.Size is not null)
        {
            try
            {
                await client.ResizeVolumeAsync(disk.Volume, new VolumeResizeRequest { Size = disk.Size }, ct).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The copy is only litter without its size: remove it, then report why.
                try { await client.DeleteVolumeAsync(disk.Volume, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception e) when (e is VireoApiException or VireoConnectionException) { app.Env.Error.WriteLine($"warning: could not remove volume {disk.Volume}: {e.Message}"); }
                throw;
            }
        }
        app.Env.Out.WriteLine($"Volume {disk.Volume} created (a full copy of {disk.Base}{(disk.Size is null ? "" : $", grown to {disk.Size}")}).");
    }
}
