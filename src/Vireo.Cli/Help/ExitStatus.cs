using System.CommandLine;
using System.Text;
using Vireo.Contracts;

namespace Vireo.Cli.Help;

/// <summary>
/// One way a command can fail: its exit code (see <see cref="ExitCodes"/>), what it means for that command, and the
/// API error codes that produce it (a table test provokes each one and checks the exit code).
/// </summary>
internal sealed record ExitReason(int Code, string Meaning, params string[] ApiCodes);

/// <summary>
/// The "Exit status:" section of each command's --help: the codes that command can return, each with what it
/// means there. The codes are the same for the same kind of failure on every command (ExitCodes.ForApiError): 2 bad
/// input, 3 not found, 4 conflict or wrong state, 5 vireod unreachable, 1 failed. Every command also has 0, 2 for
/// bad usage, 5, and the signal codes; the table lists what differs. docs/cli.md explains the rule.
/// </summary>
internal static class ExitStatus
{
    private static ExitReason NotFound(string meaning) => new(ExitCodes.NotFound, meaning, ErrorCodes.NotFound);
    private static ExitReason Exists(string meaning) => new(ExitCodes.Conflict, meaning, ErrorCodes.AlreadyExists);
    private static ExitReason State(string meaning) => new(ExitCodes.Conflict, meaning, ErrorCodes.InvalidState);
    private static ExitReason Busy(string meaning) => new(ExitCodes.Conflict, meaning, ErrorCodes.Busy);
    private static ExitReason Invalid(string meaning) => new(ExitCodes.Usage, meaning, ErrorCodes.Invalid);
    private static ExitReason Unavailable(string meaning) => new(ExitCodes.Unreachable, meaning, ErrorCodes.Unavailable);

    private static readonly ExitReason NoVm = NotFound("no such VM");
    private static readonly ExitReason BadVmName = Invalid("an invalid VM name");
    private static readonly ExitReason Qemu = new(ExitCodes.Failed, "QEMU refused or failed", ErrorCodes.QemuError);
    private static readonly ExitReason QemuTimeout = new(ExitCodes.Failed, "QEMU or the guest did not answer in time", ErrorCodes.Timeout);
    private static readonly ExitReason QemuImg = new(ExitCodes.Failed, "qemu-img failed", ErrorCodes.QemuError);
    private static readonly ExitReason NoSpace = new(ExitCodes.Failed, "the pool's file system is full (nothing is left behind)", StorageErrorCodes.NoSpace);
    private static readonly ExitReason HostChange = new(ExitCodes.Failed, "a change to the host's networking failed and was undone", ErrorCodes.HostError);
    private static readonly ExitReason NoQemuImg = Unavailable("qemu-img is not installed");
    private static readonly ExitReason VmState = State("the VM is not in a state that allows it (the message says which, the hint what to do)");

    /// <summary>
    /// What each command can return besides 0, bad usage (2), vireod unreachable (5), an internal error (1) and
    /// the signals. Keyed by the command's path under vireo ("vol delete"); every command has an entry (a test
    /// checks it), groups an empty one.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, ExitReason[]> Commands = new Dictionary<string, ExitReason[]>
    {
        ["list"] = [],
        ["info"] = [NoVm, BadVmName],
        ["create"] = [Invalid("an invalid VM spec (every problem is listed)"), Exists("a VM (or a volume for its disk) with that name already exists"),
            NotFound("the pool for a new disk does not exist"), Unavailable("the image is not built"), Qemu, QemuTimeout, QemuImg, NoSpace],
        ["define"] = [Invalid("an invalid VM spec (every problem is listed)"), Exists("a VM with that name or UUID already exists"),
            Unavailable("the image is not built")],
        ["import-libvirt"] = [Invalid("XML that makes no spec (not XML, a DTD, not a <domain>, no <name>, a disk without format), or an invalid spec (every problem is listed)"),
            Exists("a VM with that name or UUID already exists")],
        ["dumpspec"] = [NoVm, BadVmName],
        ["edit"] = [NoVm, BadVmName, Invalid("the edited spec is invalid (every problem is listed; nothing changed, your text is kept)"),
            new(ExitCodes.Conflict, "the definition was changed by someone else since the editor opened (nothing changed, your text is kept)", ErrorCodes.Stale),
            State("the VM is starting or shutting down"), new(ExitCodes.Failed, "the editor failed, or QEMU refused a live change", ErrorCodes.QemuError),
            Unavailable("the image the spec names is not built")],
        ["set"] = [NoVm, Invalid("a value the VM cannot have (the field and the limit are named)"),
            State("the VM is starting or shutting down"), Qemu, QemuTimeout],
        ["undefine"] = [NoVm, BadVmName, State("the VM is not stopped"),
            new(ExitCodes.Failed, "with --remove-all-storage: the VM is undefined but a volume could not be removed (each is named)")],
        ["rename"] = [NoVm, Invalid("an invalid new name, or the VM's own name"), Exists("a VM with the new name already exists"),
            State("the VM is not stopped")],
        ["start"] = [NoVm, BadVmName, State("the VM is already running, paused, or crashed with its QEMU process kept"),
            Busy("with --console: another client is attached to the console (the VM was started)"),
            Invalid("the VM's spec no longer works here (a file or bridge it names is gone; the fields are listed)"), Qemu, QemuTimeout],
        ["shutdown"] = [NoVm, Invalid("an invalid VM name or timeout"), State("the VM is not running, is paused, or is already shutting down"),
            new(ExitCodes.Failed, "with --no-force: the guest did not power off in time; with --mode agent: the guest agent did not answer", ErrorCodes.Timeout),
            new(ExitCodes.Failed, "QEMU or the guest agent refused or failed", ErrorCodes.QemuError)],
        ["destroy"] = [NoVm, BadVmName, State("the VM is not running"), Qemu, QemuTimeout],
        ["reboot"] = [NoVm, BadVmName, State("the VM is not running, or is paused"), Qemu, QemuTimeout],
        ["reset"] = [NoVm, BadVmName, State("the VM is not running"), Qemu, QemuTimeout],
        ["suspend"] = [NoVm, BadVmName, State("the VM is not running, or is already paused"), Qemu, QemuTimeout],
        ["resume"] = [NoVm, BadVmName, State("the VM is not paused"), Qemu, QemuTimeout],
        ["console"] = [NoVm, BadVmName, State("the VM is not running, or has no serial console"),
            Busy("another client is attached (--force takes the console over)"), Qemu],
        ["logs"] = [NoVm, Invalid("an invalid VM name or --tail")],
        ["ip"] = [NoVm, BadVmName, State("the VM is not running: it has no addresses then"),
            new(ExitCodes.Failed, "the VM runs but no address of it is known yet (-o json prints [])")],
        ["vncdisplay"] = [NoVm, BadVmName, State("the VM is not running, or has no VNC display (--graphics none)")],
        ["attach-interface"] = [NoVm, Invalid("an invalid NIC (a network that does not exist or is not active, a MAC in use...)"),
            State("the VM is starting or shutting down, or has no free hot-plug slot"), Qemu, QemuTimeout],
        ["detach-interface"] = [NotFound("no such VM, or it has no NIC with that MAC"), BadVmName,
            State("the VM is not running (or stopped), or is starting or shutting down"), Qemu,
            new(ExitCodes.Failed, "the guest did not release the NIC in time", ErrorCodes.Timeout)],
        ["domif-setlink"] = [NotFound("no such VM, or it has no NIC with that MAC"), Invalid("an invalid VM name or link state"),
            State("the VM is starting or shutting down"), Qemu],

        ["net"] = [],
        ["net list"] = [],
        ["net info"] = [NotFound("no such network"), Invalid("an invalid network name")],
        ["net create"] = [Invalid("an invalid network (a bad or overlapping subnet, a bridge in use...; every problem is listed)"),
            Exists("a network with that name already exists"), HostChange],
        ["net delete"] = [NotFound("no such network"), Invalid("an invalid network name"), State("VMs have NICs on the network"), HostChange],
        ["net start"] = [NotFound("no such network"), Invalid("an invalid network name"), State("the host bridge of a bridge network is gone"), HostChange],
        ["net stop"] = [NotFound("no such network"), Invalid("an invalid network name"), State("running VMs use the network"), HostChange],
        ["net forward"] = [],
        ["net forward add"] = [NotFound("no such network"),
            Invalid("an invalid forward (a bad port, a VM that does not exist or has no NIC on the network, a network that is not nat or user)"),
            Exists("the host port is already forwarded"), State("a program on the host listens on the host port"), HostChange],
        ["net forward list"] = [NotFound("no such network"), Invalid("an invalid network name")],
        ["net forward remove"] = [NotFound("no such network, or no such forward on it"), Invalid("an invalid network name or port"), HostChange],
        ["net reserve"] = [NotFound("no such network"), Invalid("an invalid reservation (an address outside the subnet, a VM that does not exist or has no NIC on the network)"),
            Exists("the address is reserved for another VM"), State("the network has no free address left"), HostChange],
        ["net unreserve"] = [NotFound("no such network, or the VM has no reservation on it"), Invalid("an invalid network or VM name"),
            State("port forwards on the network need the VM's address"), HostChange],
        ["net doctor"] = [],
        ["net bridge-uplink"] = [Invalid("the conversion was refused before anything changed (the field and the reason are named)"),
            new(ExitCodes.Failed, "the check failed and everything was rolled back (or, rarely, the rollback needs a person: the hint lists the commands)", ErrorCodes.HostError)],

        ["pool"] = [],
        ["pool list"] = [],
        ["pool info"] = [NotFound("no such pool"), Invalid("an invalid pool name")],
        ["pool create"] = [Invalid("an invalid pool (name or path)"), Exists("a pool with that name or directory already exists")],
        ["pool delete"] = [NotFound("no such pool"), Invalid("an invalid pool name"), State("the pool still holds volumes, or one is being created")],

        ["vol"] = [],
        ["vol list"] = [NotFound("no such pool"), Invalid("an invalid pool name")],
        ["vol info"] = [NotFound("no such pool or volume"), Invalid("an invalid volume name"), QemuImg],
        ["vol create"] = [NotFound("no such pool (or backing volume)"), Invalid("an invalid volume (name, size, format, preallocation; every problem is listed)"),
            Exists("a volume or file with that name already exists"), State("the pool's directory is missing"), QemuImg, NoSpace, NoQemuImg],
        ["vol resize"] = [NotFound("no such pool or volume"), Invalid("an invalid size, or a shrink without --allow-shrink"),
            State("running VMs use the volume, or it is a backing file or being copied"), QemuImg, Qemu, NoQemuImg],
        ["vol delete"] = [NotFound("no such pool or volume"), Invalid("an invalid volume name"),
            State("the volume is in use by a VM, is the backing file of another volume, or is being copied"), QemuImg],
        ["vol import"] = [NotFound("no such pool"), Invalid("an invalid import (a file that is not there or not of the given format...)"),
            Exists("a volume or file with that name already exists"), QemuImg, NoSpace, NoQemuImg],
        ["vol convert"] = [NotFound("no such pool or volume"), Invalid("an invalid name, format or rate"),
            Exists("the destination volume already exists"), State("running VMs write the source volume"), QemuImg, NoSpace, NoQemuImg],
        ["vol upload"] = [NotFound("no such pool"), Invalid("an invalid name or format, or content that is not of the given format (or a qcow2 with a backing file)"),
            Exists("a volume or file with that name already exists"), QemuImg, NoSpace],
        ["vol download"] = [NotFound("no such pool or volume"), Invalid("an invalid volume name, or FILE exists (without --force)"),
            State("the volume has a backing file, or a running VM writes it")],
        ["vol clone"] = [NotFound("no such pool or volume"), Invalid("an invalid name or rate"),
            Exists("the destination volume already exists"), State("running VMs write the source volume"), QemuImg, NoSpace, NoQemuImg],

        ["operation"] = [],
        ["operation list"] = [],
        ["operation show"] = [NotFound("no such operation (finished ones are kept for ten minutes)")],
        ["operation wait"] = [NotFound("no such operation; or it failed on something that does not exist"),
            Invalid("the operation failed on bad input"), State("the operation failed on a conflict"), Qemu, NoSpace],
        ["operation cancel"] = [NotFound("no such operation; or it had already failed on something that does not exist"),
            Invalid("it had already failed on bad input"), State("it had already failed on a conflict"), Qemu, NoSpace],

        ["disk"] = [],
        ["disk attach"] = [NoVm, Invalid("an invalid disk (a volume that does not exist, an image another VM writes...)"),
            State("the VM is starting or shutting down, or has no free slot"), Qemu, QemuTimeout],
        ["disk detach"] = [NotFound("no such VM, or it has no such disk"), BadVmName,
            State("the VM is paused, starting or shutting down, or the disk cannot be unplugged live (SATA/IDE)"), Qemu,
            new(ExitCodes.Failed, "the guest did not release the disk in time", ErrorCodes.Timeout)],
        ["disk list"] = [NoVm, BadVmName],
        ["cdrom"] = [],
        ["cdrom insert"] = [NotFound("no such VM, or no such CD-ROM drive"), Invalid("an invalid medium (a file that does not exist, a volume that does not exist)"),
            State("the VM has no CD-ROM drive, or is starting or shutting down"), Qemu],
        ["cdrom eject"] = [NotFound("no such VM, or no such CD-ROM drive"), BadVmName,
            State("the VM has no CD-ROM drive, or is starting or shutting down"), Qemu],

        ["clone"] = [NotFound("no such source VM"), Invalid("an invalid clone (a bad name, a pool that does not exist, a linked clone of an image outside the pools)"),
            Exists("a VM or volume with the new names already exists"), State("the source VM is not stopped"), QemuImg, NoSpace],

        ["snapshot"] = [],
        ["snapshot create"] = [NoVm, Invalid("an invalid VM or snapshot name"),
            Exists("the VM already has a snapshot with that name"),
            State("the VM cannot be snapshotted now: not running for a RAM snapshot, raw or no writable disks, starting or shutting down"),
            Qemu, QemuTimeout, Unavailable("qemu-img is not installed")],
        ["snapshot list"] = [NoVm, BadVmName],
        ["snapshot info"] = [NotFound("no such VM or snapshot"), BadVmName, QemuImg],
        ["snapshot revert"] = [NotFound("no such VM or snapshot"), Invalid("--paused with a disk-only snapshot"),
            State("the VM or its disks changed so that the snapshot cannot be reverted (the message says how), or it is running and the snapshot is disk-only"),
            Qemu, QemuTimeout],
        ["snapshot delete"] = [NotFound("no such VM or snapshot"), BadVmName, State("the VM is starting or shutting down"), Qemu],

        ["backup"] = [NoVm, Invalid("an invalid backup directory or bandwidth"),
            State("no backup is possible now: an incremental without a full backup before it, or from a stopped VM or raw disk; no writable disk"),
            Qemu, QemuTimeout, NoSpace],
        ["backups"] = [Invalid("the directory does not exist, or an invalid VM name")],
        ["restore"] = [NotFound("no such backup, a backup missing from its chain, or no such VM"),
            Invalid("an invalid request (neither or both of --vm and --to, a backup of another VM without --force...)"),
            Exists("the --to file already exists"), State("the VM is not stopped"), QemuImg, NoSpace],

        ["os"] = [],
        ["os list"] = [],
        ["os info"] = [NotFound("no such OS in the osinfo database (the nearest ids are suggested)")],

        ["image"] = [],
        ["image list"] = [],
        ["image info"] = [NotFound("no such image (the known names are listed)")],
        ["image import"] = [Invalid("bad input: a missing file, an unknown or mismatched format, a corrupt header, an unknown --os, a hostile OVF"),
            Exists("an image with that name already exists"), QemuImg, NoSpace],
        ["image delete"] = [NotFound("no such image"), State("VMs use the image (they are named), or it is built in")],
        ["image build"] = [NotFound("no build script for that image"), new(ExitCodes.Failed, "the build script failed"),
            State("VMs use the registered image of an older recipe")],

        ["top"] = [],
        ["events"] = [Invalid("an invalid VM name or --type")],
        ["domstats"] = [NotFound("no such VM (with a name)"), BadVmName],

        ["host"] = [],
        ["host check"] = [new(ExitCodes.Failed, "a check found a FAIL (the host cannot run VMs as it is)")],
        ["host info"] = [],
        ["token"] = [],
        ["token create"] = [Invalid("an invalid role, lifetime or description")],
        ["token list"] = [],
        ["token revoke"] = [NotFound("no token with that id")],
        ["audit"] = [Invalid("an invalid --limit")],
        ["version"] = [],
        ["remote"] = [],
        ["remote add"] = [Exists("a remote with that name exists"), new(ExitCodes.Failed, "the certificate was not accepted, or its fingerprint is not the one given")],
        ["remote list"] = [],
        ["remote remove"] = [new(ExitCodes.NotFound, "no remote with that name")],
        ["remote switch"] = [new(ExitCodes.NotFound, "no remote with that name")],
        ["remote show"] = [],
        ["agent"] = [],
        ["agent ping"] = [NoVm, BadVmName, State("the VM is not running, or is paused")],
        ["agent info"] = [NoVm, BadVmName, State("the VM is not running, or is paused"),
            new(ExitCodes.Failed, "the guest agent sent an invalid answer or refused", ErrorCodes.QemuError),
            new(ExitCodes.Failed, "the guest agent did not answer in time", ErrorCodes.Timeout)],
        ["exec"] = [NoVm, Invalid("an invalid VM name, timeout or input"), State("the VM is not running, or is paused"),
            new(ExitCodes.Failed, "the guest agent sent an invalid answer or refused", ErrorCodes.QemuError),
            new(ExitCodes.Failed, "the guest agent did not answer in time", ErrorCodes.Timeout)],
        ["set-user-password"] = [NoVm, Invalid("an invalid VM name, user or password"), State("the VM is not running, or is paused"),
            new(ExitCodes.Failed, "the guest agent refused (for example, no such user) or sent an invalid answer", ErrorCodes.QemuError),
            new(ExitCodes.Failed, "the guest agent did not answer in time", ErrorCodes.Timeout)],
    };

    /// <summary>Lines added under "Exit status:" for commands whose status can also be something else (exec).</summary>
    public static readonly IReadOnlyDictionary<string, string> Notes = new Dictionary<string, string>
    {
        ["exec"] = """
              else the guest command's own exit status: 0-255 as it exited, 124 it ran past --timeout (killed),
                   127 the guest could not start it, 128+N a signal N ended it (vireo's own failures print "error:")
            """,
    };

    /// <summary>The path of <paramref name="command"/> under vireo ("vol delete"; "" for vireo itself).</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c && c is not RootCommand && c.Name != "vireo"; s = c.Parents.FirstOrDefault())
            names.Insert(0, c.Name);
        return string.Join(' ', names);
    }

    /// <summary>Commands that do not need vireod: when it does not answer they do their work on this machine.</summary>
    public static readonly IReadOnlySet<string> WithoutDaemon = new HashSet<string> { "host check" };

    /// <summary>
    /// Commands that never ask the local vireod: they edit the remotes file (remote add talks to the remote it adds).
    /// </summary>
    public static readonly IReadOnlySet<string> RemotesFileOnly = new HashSet<string> { "remote add", "remote list", "remote remove", "remote switch", "remote show" };

    /// <summary>Every reason <paramref name="path"/> can exit with, the shared ones included, in code order.</summary>
    public static IReadOnlyList<ExitReason> ReasonsOf(string path)
    {
        var own = Commands.TryGetValue(path, out var reasons) ? reasons : [];
        ExitReason[] unreachable = WithoutDaemon.Contains(path) || RemotesFileOnly.Contains(path) && path != "remote add"
            ? []
            : path == "remote add"
            ? [new(ExitCodes.Unreachable, "cannot reach the remote vireod (no TLS listener there, refused, no answer), or it refuses the token",
                ErrorCodes.Unauthorized)]
            : [new(ExitCodes.Unreachable, "cannot reach vireod (not running, wrong socket, permission denied), or it refuses this caller (token refused, role not allowed, too many failed logins)",
                ErrorCodes.Unauthorized, ErrorCodes.Forbidden, ErrorCodes.RateLimited)];
        // Within a code, the shared meaning comes first, except for 1, where the command's own failures do.
        return
        [
            .. own.Where(r => r.Code == ExitCodes.Failed),
            new(ExitCodes.Failed, "an internal error in vireod", ErrorCodes.Internal),
            new(ExitCodes.Usage, "bad usage (an unknown flag, a missing argument, a malformed value)"),
            .. unreachable,
            .. own.Where(r => r.Code != ExitCodes.Failed),
        ];
    }

    /// <summary>The text under "Exit status:" in the --help of <paramref name="command"/>.</summary>
    public static string HelpText(Command command)
    {
        var path = PathOf(command);
        if (path.Length == 0)
            return ExitCodes.HelpText;
        if (command.Subcommands.Count > 0)
            return $"""
                  0    success
                  2    bad usage (a missing or unknown subcommand, an unknown flag)
                  Each subcommand's --help lists its own: vireo {path} SUBCOMMAND --help
                """;
        var text = new StringBuilder();
        text.AppendLine("  0    success");
        foreach (var group in ReasonsOf(path).GroupBy(r => r.Code).OrderBy(g => g.Key))
            Wrap(text, $"  {group.Key,-4} {string.Join("; ", group.Select(r => r.Meaning).Distinct())}");
        if (Notes.TryGetValue(path, out var note))
            text.Append(note);
        text.AppendLine("  130  interrupted (Ctrl-C)");
        text.AppendLine("  141  the reader of its output went away (as a tool killed by SIGPIPE)");
        text.Append("  143  terminated (SIGTERM)");
        return text.ToString();
    }

    /// <summary>Appends <paramref name="line"/> wrapped at word boundaries, continued under its meaning.</summary>
    private static void Wrap(StringBuilder text, string line, int width = 110)
    {
        const string indent = "       ";
        while (line.Length > width && line.LastIndexOf(' ', width) is var cut && cut > indent.Length)
        {
            text.AppendLine(line[..cut]);
            line = indent + line[(cut + 1)..];
        }
        text.AppendLine(line);
    }
}
