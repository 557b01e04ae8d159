using System.CommandLine;
using Vireo.Cli.Create;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo create</c>: virt-install's flags → a VmSpec → <c>POST /v1/vms</c> (→ start).</summary>
internal static class CreateCommand
{
    public static Command Create(CliApp app)
    {
        var name = Opt.Name("--name", "VM name: letters, digits, '.', '_', '-' (up to 63) [default: the image's name, else the OS id, else vm; then NAME-2, NAME-3... while taken]");
        var memory = Opt.SizeMiB("--memory", "Guest memory: MiB (2048) or with a unit (512M, 2G) [default: 512M; 128M with --image tiny]");
        var vcpus = Opt.Integer("--vcpus", "Virtual CPUs, 1 to 1024 [default: 1]", 1, 1024, "N", "vCPUs");
        var description = Opt.Text("--description", "Free text shown by `vireo info`", "TEXT", allowEmpty: true);
        var boot = Opt.Text("--boot", "Direct kernel boot: kernel=K,initrd=I,kernel_args=A; a firmware boot order: hd,cdrom,network; the firmware: uefi[,secure_boot=on] or bios", "SPEC");
        var image = Opt.Text("--image", "An image of the catalogue (vireo image list): tiny boots its kernel directly; a disk image gives the VM a first disk POOL/NAME-root.qcow2 layered on it (clone=linked, the default) or a full copy (clone=full), sized by a first --disk size=", "NAME[,clone=linked|full]");
        var disks = Opt.TextList("--disk", "A disk or CD-ROM: vol=POOL/NAME, size=SIZE|default[,pool=P] (a new volume; a bare number is GiB), none, or path=P,format=raw|qcow2; [,bus=virtio|sata|scsi][,device=cdrom][,readonly=on][,cache=C][,aio=A][,discard=D]; repeatable", "SPEC");
        var networks = Opt.TextList("--network", "network=NAME, bridge=BR, user or none [,model=virtio|e1000e|rtl8139][,mac=MAC][,link=up|down]; repeatable [default: network=default]", "SPEC");
        var graphics = Opt.Text("--graphics", "vnc[,port=N] (on 127.0.0.1) or none [default: vnc; none with --image tiny]", "vnc|none");
        var autostart = Opt.Flag("--autostart", "Start the VM whenever vireod starts");
        var onCrash = Opt.Choice("--on-crash", "When the guest crashes: destroy (keep it stopped), restart, preserve (keep QEMU paused for inspection) [default: destroy]",
            "destroy", "restart", "preserve");
        var start = Opt.Flag("--start", "Start the VM once it is defined");
        var os = Opt.Text("--os", "The guest OS, an osinfo short id (debian12, win2k22; see vireo os list); virt-install's --os-variant and --osinfo, with name=ID, id=URL, detect=on,require=off, work too. Chooses memory, disk size (size=default), firmware, disk bus and NIC model", "ID");
        os.Aliases.Add("--os-variant");
        os.Aliases.Add("--osinfo");
        var cdrom = Opt.Path("--cdrom", "Install from this ISO: a CD-ROM drive that boots once, then the disk (virt-install's install phase)", "ISO");
        var import = Opt.Flag("--import", "Boot the first disk (an installed system), with no install phase");
        var pxe = Opt.Flag("--pxe", "Boot from the network first (PXE), then the disk");
        var noAutoconsole = Opt.Flag("--noautoconsole", "Accepted for virt-install's sake: vireo never attaches a console by itself (vireo console NAME does)");
        var dryRun = Opt.Flag("--dry-run", "Print the spec vireod would define (as YAML, with the --os defaults filled in), with the volumes it would make as comments; create and define nothing");
        var cloudInit = Opt.TextList(CloudInitOption.Flag, "cloud-init seed: user=NAME,ssh-key=FILE|KEY,password=PW|password-file=FILE,hostname=H,packages=\"P1 P2\",user-data=FILE,network-config=FILE; ssh-key and packages repeatable (see docs/cloud-init.md)", "SPEC");

        var command = app.Docs.Create("create", "Define (and optionally start) a VM from virt-install style flags",
            """
            Builds a VM spec from the flags, in virt-install's spellings, and sends it to vireod as JSON; nothing is
            sent when a flag is malformed or the flags contradict each other (exit status 2). Relative paths are made
            absolute against the current directory. docs/cli.md has the whole virt-install crosswalk.
            What boots: a disk (--disk), an installer ISO (--cdrom ISO: a CD-ROM drive the VM boots once, then its
            disk, like virt-install's install phase), the network (--pxe: network first, then the disk), a kernel
            (--boot kernel=K,initrd=I,kernel_args=A) or a built-in image (--image tiny: vireod fills in its kernel,
            initrd and command line). --import boots the first disk with no install phase. --boot uefi[,secure_boot=on]
            boots through OVMF; --boot hd,cdrom,network sets the firmware's boot order. With none of them the VM
            would have nothing to boot, and create says what to add.
            --os ID (also --os-variant, --osinfo) names the guest OS from the osinfo database (vireo os list): vireod
            then picks what the flags leave out: memory (the recommended, else the minimum), firmware (UEFI when the
            OS cannot boot from BIOS), disk bus and NIC model (virtio when the OS has the drivers, else sata and e1000e,
            as for Windows); --disk size=default takes the recommended disk size. Without --os: 512 MiB, SeaBIOS,
            virtio (q35).
            --image NAME with a disk image of the catalogue (vireo image list: debian-12, imported ones) makes the
            VM's first disk POOL/NAME-root.qcow2 from it: layered on the read-only base (clone=linked, the default)
            or a full copy (clone=full); a first --disk size=20G[,pool=P] sizes it, and the image's OS, firmware and
            declared vCPUs, memory (else 1 GiB) and NICs are the defaults.
            --cloud-init makes vireod build a cloud-init NoCloud seed (an ISO labelled cidata, attached as a
            read-only CD-ROM): a sudo user with SSH keys, a password (hashed here with SHA-512 crypt; the plaintext
            is never sent), the host name, packages, your own user-data and network-config (files read here).
            A disk is a volume (vol=POOL/NAME), a new volume (size=20G[,pool=P][,format=raw]: NAME-diskN.qcow2 in
            pool default, made once vireod has checked the spec, and removed again if the define fails), an image by
            path, or none. Formats are never guessed: a path needs format=raw or format=qcow2 (CD-ROM images default
            to raw). Values containing commas are quoted: kernel_args="console=ttyS0,115200".
            Without --network the VM gets one NIC on Vireo's nat network "default" (DHCP, DNS, way out through the
            host); --network user needs no host setup at all; --network none gives it none.
            vireod checks the rest (name, ranges, files) and reports every problem at once. --dry-run prints the spec
            vireod would define, as YAML (the OS defaults filled in; the volumes it would make as comments), and
            creates and defines nothing. vireo never attaches a console by itself (--noautoconsole is accepted and
            changes nothing): `vireo console NAME` does. The result is the same as `vireo define` with a spec file;
            `vireo dumpspec NAME` shows it.
            """,
            "vireo create --name tiny1 --image tiny --start",
            "vireo create --name web1 --image debian-12 --disk size=20G --start",
            "vireo create --name db1 --image debian-12,clone=full",
            "vireo create --name web1 --os debian12 --disk vol=default/debian-12.qcow2 --import --network bridge=br0",
            "vireo create --name inst --os debian12 --disk size=default --cdrom debian-12-netinst.iso --start",
            "vireo create --name win1 --os win2k22 --disk size=80G --cdrom win2k22.iso --dry-run",
            "vireo create --name uefi1 --boot uefi --disk vol=default/uefi1.qcow2 --import",
            "vireo create --name db1 --image tiny --disk size=20G --disk vol=default/shared-data.raw,readonly=on",
            "vireo create --name web1 --memory 1G --disk path=web1.qcow2,format=qcow2 --cloud-init user=ops,ssh-key=~/.ssh/id_ed25519.pub,hostname=web1,packages=\"nginx tomcat9\" --start",
            "vireo create --name k1 --disk none --boot kernel=./bzImage,initrd=./initrd.gz,kernel_args=\"console=ttyS0 quiet\" --graphics none");
        foreach (Option option in new Option[] { name, memory, vcpus, description, boot, image, disks, networks, graphics, autostart, onCrash, start, cloudInit })
            command.Add(option);
        foreach (Option option in new Option[] { os, cdrom, import, pxe, noAutoconsole, dryRun })
            command.Add(option);

        command.SetAction((parse, ct) => app.GuardAsync(ct, async () =>
        {
            var imageChoice = ImageOption.Parse(parse.GetValue(image));
            var flags = new CreateFlags
            {
                Name = parse.GetValue(name) ?? AutoName.Placeholder,
                Memory = parse.GetValue(memory),
                Vcpus = parse.GetValue(vcpus),
                Description = parse.GetValue(description),
                Boot = parse.GetValue(boot),
                Image = imageChoice?.Name,
                Disks = parse.GetValue(disks) ?? [],
                Networks = parse.GetValue(networks) ?? [],
                Graphics = parse.GetValue(graphics),
                Autostart = parse.GetValue(autostart),
                OnCrash = parse.GetValue(onCrash),
                Os = parse.GetValue(os),
                Cdrom = parse.GetValue(cdrom),
                Import = parse.GetValue(import),
                Pxe = parse.GetValue(pxe),
                CloudInit = parse.GetValue(cloudInit) ?? [],
            };
            // Parse every flag before connecting: a malformed one must not send anything.
            var plan = CreateSpecBuilder.Plan(flags, app.Env.CurrentDirectory);
            bool named = parse.GetValue(name) is not null;
            return await app.WithClientAsync(parse, ct, async client =>
            {
                if (!named)
                {
                    // No --name: the image's name, else the OS's, made unique (virt-install names a VM after its OS).
                    flags = flags with { Name = await AutoName.PickAsync(client, AutoName.Base(flags.Image, AutoName.OsName(flags.Os)), ct).ConfigureAwait(false) };
                    plan = CreateSpecBuilder.Plan(flags, app.Env.CurrentDirectory);
                }
                var specJson = CreateRequest.Json(plan);
                var newVolumes = await CreateVolumes.SizedAsync(client, plan, imageChoice?.Name, ct).ConfigureAwait(false);
                var fromImage = (IReadOnlyList<ImageOption.NewDisk>)[];
                if (imageChoice is not null && !parse.GetValue(dryRun))
                    await ImageCommand.BuildAtFirstUseAsync(app, parse, client, imageChoice.Name, ct).ConfigureAwait(false);
                if (imageChoice is not null)
                {
                    (plan, newVolumes, fromImage) = await ImageOption.ApplyAsync(client, imageChoice, flags, plan, newVolumes, app.Env.CurrentDirectory, ct).ConfigureAwait(false);
                    specJson = CreateRequest.Json(plan);
                }
                if (parse.GetValue(dryRun) || newVolumes.Count > 0 || fromImage.Count > 0)
                {
                    // vireod checks the whole spec (every problem at once) before any volume is made.
                    var yaml = await client.PreviewVmYamlAsync(specJson, "application/json", plan.NewVolumes.Select(v => v.Reference).ToList(), ct).ConfigureAwait(false);
                    if (parse.GetValue(dryRun))
                    {
                        foreach (var disk in fromImage)
                            app.Env.Out.WriteLine(disk.Full
                                ? $"# new volume: {disk.Volume} (qcow2, a full copy of {disk.Base}{(disk.Size is null ? "" : $", grown to {disk.Size}")})"
                                : $"# new volume: {disk.Volume} (qcow2, {disk.Size ?? "the image's size"}, linked to {disk.Base})");
                        foreach (var (pool, request) in newVolumes)
                            app.Env.Out.WriteLine($"# new volume: {pool}/{request.Name} ({request.Format}, {request.Size})");
                        app.Env.Out.Write(yaml.EndsWith('\n') ? yaml : yaml + "\n");
                        return ExitCodes.Ok;
                    }
                }
                var created = new List<string>();
                VmInfo vm;
                try
                {
                    foreach (var disk in fromImage)
                    {
                        await ImageOption.CreateAsync(app, client, disk, ct).ConfigureAwait(false);
                        created.Add(disk.Volume);
                    }
                    foreach (var (pool, request) in newVolumes)
                    {
                        var volume = await client.CreateVolumeAsync(pool, request, ct).ConfigureAwait(false);
                        created.Add(volume.Volume);
                        app.Env.Out.WriteLine($"Volume {volume.Volume} created ({request.Format}, {request.Size}).");
                    }
                    vm = await client.DefineVmAsync(specJson, "application/json", ct).ConfigureAwait(false);
                }
                catch (Exception) when (created.Count > 0)
                {
                    // The VM was not defined: its new volumes would only be litter.
                    foreach (var volume in created)
                    {
                        try { await client.DeleteVolumeAsync(volume, CancellationToken.None).ConfigureAwait(false); }
                        catch (Exception e) when (e is VireoApiException or VireoConnectionException) { app.Env.Error.WriteLine($"warning: could not remove volume {volume}: {e.Message}"); }
                    }
                    throw;
                }
                app.Env.Out.WriteLine($"VM '{vm.Name}' defined (uuid {vm.Uuid})." + (named ? "" : " Named after its " + (flags.Image is not null ? "image" : flags.Os is not null ? "OS" : "kind") + ": no --name was given."));
                LastCreated.Remember(app, parse, vm.Name);
                if (!parse.GetValue(start))
                    return ExitCodes.Ok;
                try
                {
                    var result = await client.StartAsync(vm.Name, ct).ConfigureAwait(false);
                    app.Env.Out.WriteLine($"VM '{result.Name}' started, now {Display.State(result.State)}" +
                                          (result.Message is null ? "." : $": {result.Message}"));
                    return ExitCodes.Ok;
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    app.Env.Error.WriteLine($"VM '{vm.Name}' is defined but did not start:");
                    throw;
                }
            }).ConfigureAwait(false);
        }));
        return command;
    }
}
