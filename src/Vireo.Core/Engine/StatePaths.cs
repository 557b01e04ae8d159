namespace Vireo.Core.Engine;

/// <summary>
/// Layout of the state directory. Everything a VM's QEMU process needs at runtime lives in one directory per
/// VM, keyed by UUID, so that a restarted daemon can find its pidfile and sockets without the database.
/// </summary>
public sealed class StatePaths
{
    /// <summary>sun_path in sockaddr_un holds 108 bytes including the terminating NUL.</summary>
    public const int MaxUnixSocketPath = 107;

    public StatePaths(string stateDir)
    {
        Root = Path.GetFullPath(stateDir);
    }

    public string Root { get; }
    public string Database => Path.Combine(Root, "vireo.db");
    public string VmsDir => Path.Combine(Root, "vms");
    /// <summary>One directory per nat/isolated network: dnsmasq's config, pid file, leases and hosts.</summary>
    public string NetworksDir => Path.Combine(Root, "networks");
    public string ForNetwork(string name) => Path.Combine(NetworksDir, name);

    public VmPaths ForVm(string uuid) => new(Path.Combine(VmsDir, uuid));

    /// <summary>Null when socket paths under this root fit in sockaddr_un, else an explanation (vireod's fix: a shorter --state-dir).</summary>
    public string? CheckSocketPathLength()
    {
        var longest = ForVm(Guid.Empty.ToString()).ConsoleSocket;
        return longest.Length <= MaxUnixSocketPath
            ? null
            : $"the state directory {Root} is too long: VM sockets under it ({longest.Length} bytes) exceed the " +
              $"{MaxUnixSocketPath}-byte limit of Unix socket paths";
    }
}

/// <summary>Files of one VM.</summary>
public sealed record VmPaths(string Dir)
{
    public string QmpSocket => Path.Combine(Dir, "qmp.sock");
    public string ConsoleSocket => Path.Combine(Dir, "console.sock");
    public string PidFile => Path.Combine(Dir, "qemu.pid");
    public string SerialLog => Path.Combine(Dir, "serial.log");
    /// <summary>The cloud-init NoCloud seed (ISO 9660, label cidata), built at start from the spec's cloud_init.</summary>
    public string CloudInitSeed => Path.Combine(Dir, "cidata.iso");

    /// <summary>The VM's own UEFI variable store (NVRAM), raw, copied from OVMF's template at the first start.</summary>
    public string UefiVars => Path.Combine(Dir, "uefi-vars.fd");

    /// <summary>Copies of the variable store taken with each snapshot (snapshots live in the disks; NVRAM is a file).</summary>
    public string SnapshotsDir => Path.Combine(Dir, "snapshots");

    /// <summary>The variable store as it was when snapshot <paramref name="snap"/> was taken.</summary>
    public string SnapshotUefiVars(string snap) => Path.Combine(SnapshotsDir, snap + ".uefi-vars.fd");

    /// <summary>The guest agent's channel (virtio-serial port org.qemu.guest_agent.0); QEMU listens, vireod connects on demand.</summary>
    public string AgentSocket => Path.Combine(Dir, "agent.sock");

    /// <summary>Runtime files that must not outlive the QEMU process (the serial log stays).</summary>
    public IEnumerable<string> RuntimeFiles => [QmpSocket, ConsoleSocket, PidFile, AgentSocket];
}
