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
        var name = Opt.Name("--name", "VM name: letters, digits, '.', '_', '-' (up to 63)", required: true);
        var memory = Opt.SizeMiB("--memory", "Guest memory: MiB (2048) or with a unit (512M, 2G) [default: 512M; 128M with --image tiny]");
        var vcpus = Opt.Integer("--vcpus", "Virtual CPUs, 1 to 1024 [default: 1]", 1, 1024, "N", "vCPUs");
        var description = Opt.Text("--description", "Free text shown by `vireo info`", "TEXT", allowEmpty: true);
        var boot = Opt.Text("--boot", "Direct kernel boot: kernel=K,initrd=I,kernel_args=A; or a firmware boot order: hd,cdrom,network", "SPEC");
        var image = Opt.Name("--image", "Built-in guest image (tiny): vireod fills in kernel, initrd and command line");
        var disks = Opt.TextList("--disk", "A disk or CD-ROM: vol=POOL/NAME, size=SIZE[,pool=P] (a new volume; a bare number is GiB), or path=P,format=raw|qcow2; [,bus=virtio|sata|scsi][,device=cdrom][,readonly=on][,cache=C][,aio=A][,discard=D]; repeatable", "SPEC");
        var networks = Opt.TextList("--network", "network=NAME, bridge=BR, user or none [,model=virtio|e1000e|rtl8139][,mac=MAC][,link=up|down]; repeatable [default: network=default]", "SPEC");
        var graphics = Opt.Text("--graphics", "vnc[,port=N] (on 127.0.0.1) or none [default: vnc; none with --image tiny]", "vnc|none");
        var autostart = Opt.Flag("--autostart", "Start the VM whenever vireod starts");
        var onCrash = Opt.Choice("--on-crash", "When the guest crashes: destroy (keep it stopped), restart, preserve (keep QEMU paused for inspection) [default: destroy]",
            "destroy", "restart", "preserve");
        var start = Opt.Flag("--start", "Start the VM once it is defined");
        var cloudInit = Opt.TextList(CloudInitOption.Flag, "cloud-init seed: user=NAME,ssh-key=FILE|KEY,password=PW|password-file=FILE,hostname=H,packages=\"P1 P2\",user-data=FILE,network-config=FILE; ssh-key and packages repeatable (see docs/cloud-init.md)", "SPEC");

        var command = app.Docs.Create("create", "Define (and optionally start) a VM from virt-install style flags",
            """
            Builds a VM spec from the flags, in virt-install's spellings, and sends it to vireod as JSON; nothing is
            sent when a flag is malformed (exit status 2). Relative paths are made absolute against the current
            directory. --cloud-init makes vireod build a cloud-init NoCloud seed (an ISO labelled cidata, attached as a
            read-only CD-ROM): a sudo user with SSH keys, a password (hashed here with SHA-512 crypt; the plaintext
            is never sent), the host name, packages, your own user-data and network-config (files read here).
            --image tiny uses Vireo's built-in tiny guest: vireod fills in its kernel, initrd and
            command line. Without --network the VM gets one NIC on Vireo's nat network "default" (DHCP, DNS, way
            out through the host); --network user needs no host setup at all; --network none gives it none.
            A disk is a volume (vol=POOL/NAME), a new volume (size=20G[,pool=P][,format=raw]: NAME-diskN.qcow2 in
            pool default, made first and removed again if the define fails), or an image by path. Formats are
            never guessed: a path needs format=raw or format=qcow2 (CD-ROM images default to raw). Values containing commas are quoted: kernel_args="console=ttyS0,115200".
            vireod checks the rest (name, ranges, files) and reports every problem at once.
            The result is the same as `vireo define` with a spec file; `vireo dumpspec NAME` shows it.
            """,
            "vireo create --name tiny1 --image tiny --start",
            "vireo create --name web1 --memory 1024 --vcpus 2 --disk path=web1.qcow2,format=qcow2 --network bridge=br0",
            "vireo create --name db1 --image tiny --disk size=20G --disk vol=default/shared-data.raw,readonly=on",
            "vireo create --name inst --disk path=disk.qcow2,format=qcow2 --disk path=debian.iso,device=cdrom --boot cdrom,hd",
            "vireo create --name web1 --memory 1G --disk path=web1.qcow2,format=qcow2 --cloud-init user=ops,ssh-key=~/.ssh/id_ed25519.pub,hostname=web1,packages=\"nginx tomcat9\" --start",
            "vireo create --name k1 --boot kernel=./bzImage,initrd=./initrd.gz,kernel_args=\"console=ttyS0 quiet\" --graphics none");
        foreach (Option option in new Option[] { name, memory, vcpus, description, boot, image, disks, networks, graphics, autostart, onCrash, start, cloudInit })
            command.Add(option);

        command.SetAction((parse, ct) => app.GuardAsync(ct, async () =>
        {
            var flags = new CreateFlags
            {
                Name = parse.GetValue(name)!,
                Memory = parse.GetValue(memory),
                Vcpus = parse.GetValue(vcpus),
                Description = parse.GetValue(description),
                Boot = parse.GetValue(boot),
                Image = parse.GetValue(image),
                Disks = parse.GetValue(disks) ?? [],
                Networks = parse.GetValue(networks) ?? [],
                Graphics = parse.GetValue(graphics),
                Autostart = parse.GetValue(autostart),
                OnCrash = parse.GetValue(onCrash),
                CloudInit = parse.GetValue(cloudInit) ?? [],
            };
            // Parse every flag before connecting: a malformed one must not send anything.
            var (spec, newVolumes) = CreateSpecBuilder.BuildWithVolumes(flags, app.Env.CurrentDirectory);
            return await app.WithClientAsync(parse, ct, async client =>
            {
                var created = new List<string>();
                VmInfo vm;
                try
                {
                    foreach (var (pool, request) in newVolumes)
                    {
                        var volume = await client.CreateVolumeAsync(pool, request, ct).ConfigureAwait(false);
                        created.Add(volume.Volume);
                        app.Env.Out.WriteLine($"Volume {volume.Volume} created ({request.Format}, {request.Size}).");
                    }
                    vm = await client.DefineVmAsync(spec, ct).ConfigureAwait(false);
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
                app.Env.Out.WriteLine($"VM '{vm.Name}' defined (uuid {vm.Uuid}).");
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
