using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo cdrom insert|eject</c> (virsh change-media).</summary>
internal static class CdromCommands
{
    public static Command Create(CliApp app)
    {
        var cdrom = app.Docs.Create("cdrom", "Insert or eject the medium of a VM's CD-ROM drive (live when it runs)",
            """
            Like `virsh change-media`. A running guest sees the tray open and close (QMP blockdev-change-medium, the
            image opened read-only as raw, never probed) or the medium go (a forced eject, even if the guest locked
            the tray). The spec keeps the change. Drives are counted from 0 in spec order (--drive).
            """,
            "vireo cdrom insert inst /srv/iso/debian-12.iso",
            "vireo cdrom eject inst");
        cdrom.Add(Insert(app));
        cdrom.Add(Eject(app));
        return cdrom;
    }

    private static Command Insert(CliApp app)
    {
        var name = VmArgument.Create();
        var medium = Arg.Path("MEDIUM", "An ISO image: a path, or a volume POOL/NAME");
        var drive = Drive();
        var command = app.Docs.Create("insert", "Put an ISO into a CD-ROM drive",
            "Replaces whatever the drive held.", "vireo cdrom insert inst /srv/iso/debian-12.iso --drive 0");
        command.Add(name);
        command.Add(medium);
        command.Add(drive);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var (path, volume) = DiskCommands.Source(parse.GetValue(medium)!, app.Env.CurrentDirectory);
            var vm = await client.InsertMediumAsync(parse.GetValue(name)!, parse.GetValue(drive), new MediumRequest { Path = path, Volume = volume }, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"CD-ROM {parse.GetValue(drive)} of {vm.Name} now holds {volume ?? path}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Eject(CliApp app)
    {
        var name = VmArgument.Create();
        var drive = Drive();
        var command = app.Docs.Create("eject", "Empty a CD-ROM drive", "The drive stays, empty.", "vireo cdrom eject inst");
        command.Add(name);
        command.Add(drive);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var vm = await client.EjectMediumAsync(parse.GetValue(name)!, parse.GetValue(drive), ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"CD-ROM {parse.GetValue(drive)} of {vm.Name} is empty");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Option<int> Drive() => Opt.Integer("--drive", "Which CD-ROM drive, from 0 in spec order [default: 0]", 0, 255, defaultValue: 0);
}
