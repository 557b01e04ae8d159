using System.Globalization;
using Vireo.Qemu.Internal;
using Vireo.Qemu.Model;
using Vireo.Qemu.Model.Devices;

namespace Vireo.Qemu;

/// <summary>Turns a <see cref="QemuVmConfig"/> into QEMU's argv (a list of arguments, never a shell string).</summary>
public static class QemuCommandLine
{
    /// <summary>Chardev id of the QMP monitor socket.</summary>
    public const string QmpChardevId = "charmonitor";

    /// <summary>Chardev id of the serial console.</summary>
    public const string SerialChardevId = "charserial0";

    /// <summary>Device id of the serial console's UART (ttyS0).</summary>
    public const string SerialDeviceId = "serial0";

    /// <summary>
    /// Builds the arguments that follow the emulator path. Pure: touches no file and starts nothing.
    /// </summary>
    /// <exception cref="QemuConfigException">The configuration is invalid; every problem is listed.</exception>
    public static IReadOnlyList<string> Build(QemuVmConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        QemuConfigValidator.Validate(config);
        var a = new ArgumentList();

        // Thread names "CPU 0/TCG" etc. make `top -H` and perf readable.
        a.Add("-name", $"guest={QemuOpts.Escape(config.Name)},debug-threads=on");
        // The UUID is also how a running QEMU is recognised from /proc/PID/cmdline after a daemon restart.
        a.Add("-uuid", config.Uuid.ToString("D"));
        // Start with vCPUs stopped: the engine finishes setup over QMP, then sends `cont`.
        a.Add("-S");
        // No -daemonize: QEMU runs in the foreground of a session of its own (QemuLauncher starts it through
        // setsid --fork, so it is not vireod's child and outlives it), as libvirt runs it. That is what lets the
        // seccomp filter deny fork/exec (spawn) and setuid/setsid (elevateprivileges): -daemonize needs both after
        // the filter is installed. obsolete=deny blocks old system calls, resourcecontrol=deny scheduler and
        // affinity changes (vireod pins threads from outside). QEMU writes its pidfile in the foreground too.
        a.Add("-pidfile", config.PidFilePath);
        // No /etc/qemu/*.conf and no implicit devices (NIC, VGA, serial, parallel, CD-ROM): only what we list.
        a.Add("-no-user-config");
        a.Add("-nodefaults");
        a.Add("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        a.Add("-msg", "timestamp=on");
        a.Add("-display", "none");
        // QMP: QEMU listens and does not wait for a client (wait=off), so startup never blocks on the daemon.
        a.Add("-chardev", UnixSocketChardevArg(new UnixSocketChardev(QmpChardevId, config.QmpSocketPath)));
        a.Add("-mon", $"chardev={QmpChardevId},mode=control");

        // dump-guest-core=off keeps guest RAM out of QEMU core dumps (size and confidentiality), as libvirt does.
        var machine = $"{config.MachineType},dump-guest-core=off";
        if (config.Uefi is { } uefi)
        {
            // The firmware is mapped from two -blockdev nodes (code, then variables) through the machine's pflash0
            // and pflash1 properties, as libvirt does since QEMU 5.0, instead of -bios (which has no NVRAM).
            machine += $",pflash0={UefiFlash.CodeNode},pflash1={UefiFlash.VarsNode}";
            // Secure Boot OVMF keeps its variables writable only from System Management Mode; without smm=on it
            // does not boot (it hangs before the first line of output).
            if (uefi.SecureBoot) machine += ",smm=on";
            foreach (var node in uefi.Nodes)
            {
                a.Add("-blockdev", Json.Serialize(node.ToProtocolJson()));
                a.Add("-blockdev", Json.Serialize(node.ToFormatJson()));
            }
        }
        a.Add("-machine", machine);
        // Only code running in SMM may write the flash: otherwise the guest OS could rewrite the Secure Boot
        // variables (keys, db) behind the firmware's back. The property lives on the pflash device model.
        if (config.Uefi is { SecureBoot: true }) a.Add("-global", "driver=cfi.pflash01,property=secure,value=on");
        a.Add("-accel", AccelArg(config));
        a.Add("-cpu", config.CpuModel);
        a.Add("-smp", SmpArg(config));
        a.Add("-m", Invariant(config.MemoryMiB) + "M");
        a.Add("-rtc", "base=utc");
        // strict=on: never fall back to devices without a bootindex when the listed ones fail to boot.
        a.Add("-boot", "strict=on");
        a.Add("-action", config.PanicAction == PanicAction.Pause ? "panic=pause" : "panic=shutdown");
        if (config.NoShutdown) a.Add("-no-shutdown");
        // A one-time boot order (install from CD-ROM) lasts one boot: the guest's reboot stops it instead, and the
        // engine starts it again with the normal order (virt-install does the same with --noreboot in its install phase).
        if (config.RebootIsShutdown) a.Add("-action", "reboot=shutdown");

        if (config.DirectKernelBoot is { } kernel)
        {
            // -kernel, -initrd and -append take their value verbatim (no QemuOpts parsing): no comma escaping.
            a.Add("-kernel", kernel.KernelPath);
            if (kernel.InitrdPath is not null) a.Add("-initrd", kernel.InitrdPath);
            if (kernel.Cmdline is not null) a.Add("-append", kernel.Cmdline);
        }

        if (config.Vnc is { } vnc) a.Add("-vnc", VncArg(vnc));

        var devices = new List<IQemuDevice>();
        if (config.SerialConsole is { } serial)
        {
            a.Add("-chardev", UnixSocketChardevArg(new UnixSocketChardev(SerialChardevId, serial.SocketPath)
            {
                LogFilePath = serial.LogFilePath,
            }));
            devices.Add(new IsaSerial(SerialDeviceId, SerialChardevId));
        }
        foreach (var chardev in config.Chardevs) a.Add("-chardev", UnixSocketChardevArg(chardev));

        foreach (var node in config.BlockNodes)
        {
            a.Add("-blockdev", Json.Serialize(node.ToProtocolJson()));
            a.Add("-blockdev", Json.Serialize(node.ToFormatJson()));
        }
        foreach (var netdev in config.Netdevs) a.Add("-netdev", Json.Serialize(netdev.ToJson()));

        devices.AddRange(BootOrderAssigner.Assign(config));
        foreach (var device in devices) a.Add("-device", Json.Serialize(device.ToJson()));
        return a.ToArray();
    }

    private static string AccelArg(QemuVmConfig c) => c.Accel switch
    {
        QemuAccel.Kvm => "kvm",
        // tb-size is in MiB; QEMU 7.2's default of 1 GiB makes the translation cache dominate a TCG guest's RSS.
        QemuAccel.Tcg when c.TcgTranslationCacheMiB is { } tb => "tcg,tb-size=" + Invariant(tb),
        QemuAccel.Tcg => "tcg",
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Accel, "Unknown accelerator."),
    };

    private static string SmpArg(QemuVmConfig c)
    {
        // maxcpus=M: QEMU creates N vCPUs and M-N empty slots that device_add can fill later. The slots exist from
        // boot (the ACPI tables list M processors and the guest kernel sizes its per-CPU data for them); a VM can
        // never get more CPUs than it booted with room for. QEMU 7.2 (q35/pc >= 6.2) makes the slots cores of one
        // socket. Only written when there are slots: a VM without them keeps the argv it always had.
        if (c.MaxVcpus is { } max && max > c.Vcpus) return Invariant(c.Vcpus) + ",maxcpus=" + Invariant(max);
        return Invariant(c.Vcpus);
    }

    private static string VncArg(VncConfig vnc)
    {
        if (vnc.Port is { } port) return "127.0.0.1:" + Invariant(port - VncConfig.BasePort);
        // to=N: if display 0 is taken QEMU tries 1, 2, ... up to N and takes the first free one.
        return "127.0.0.1:0,to=" + Invariant(VncConfig.AutoMaxDisplay);
    }

    private static string UnixSocketChardevArg(UnixSocketChardev c)
    {
        var arg = $"socket,id={c.Id},path={QemuOpts.Escape(c.SocketPath)},server=on,wait=off";
        // QEMU itself appends the guest's output to the log, so it keeps being written while no client (and no
        // daemon) is attached; logappend=on keeps the history of earlier boots.
        if (c.LogFilePath is not null) arg += $",logfile={QemuOpts.Escape(c.LogFilePath)},logappend=on";
        return arg;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class ArgumentList
    {
        private readonly List<string> _args = [];

        public void Add(string flag) => _args.Add(flag);

        public void Add(string flag, string value)
        {
            _args.Add(flag);
            _args.Add(value);
        }

        public string[] ToArray() => [.. _args];
    }
}
