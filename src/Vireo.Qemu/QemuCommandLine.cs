using System.Globalization;
using Vireo.Qemu.Model;

namespace Vireo.Qemu;

/// <summary>
/// Turns a <see cref="QemuVmConfig"/> into QEMU's argv. Pure; the result goes to ProcessStartInfo.ArgumentList and
/// is never joined into a shell string. Devices and block nodes use QEMU's JSON syntax (accepted by -device since
/// 6.2 and by -blockdev since 4.0), so no value needs escaping there.
/// </summary>
public static class QemuCommandLine
{
    /// <summary>Builds argv (without the emulator path itself).</summary>
    public static IReadOnlyList<string> Build(QemuVmConfig config)
    {
        var argv = new List<string>();
        void Add(params string[] values) => argv.AddRange(values);

        Add("-name", $"guest={QemuArgs.Escape(config.Name)},debug-threads=on");
        Add("-uuid", config.Uuid.ToString());
        // Nothing implicit: no default NIC, serial, parallel, VGA or CD-ROM, and no /etc/qemu config files.
        Add("-nodefaults", "-no-user-config");
        // Start paused: the engine finishes setup over QMP, then resumes with `cont`.
        Add("-S");
        if (config.NoShutdown)
        {
            // After a guest power-off QEMU stops instead of exiting, so the engine sees SHUTDOWN and can reset the
            // guest for a clean reboot (libvirt's "fake reboot") or end the process itself.
            Add("-no-shutdown");
        }
        // Daemonize: QEMU must not be a child that dies with vireod. The launching process exits once QEMU has
        // finished initialising (monitor listening, pidfile written) and reports start-up errors on stderr.
        Add("-daemonize", "-pidfile", config.PidFile);
        Add("-display", "none");
        Add("-chardev", $"socket,id=charmonitor,path={QemuArgs.Escape(config.QmpSocket)},server=on,wait=off");
        Add("-mon", "chardev=charmonitor,id=monitor,mode=control");

        Add("-machine", QemuArgs.Escape(config.Machine));
        Add("-accel", config.Accel == Accelerator.Kvm
            ? "kvm"
            : config.TcgTranslationCacheMiB is { } tb ? $"tcg,tb-size={tb}" : "tcg");
        Add("-cpu", QemuArgs.Escape(config.CpuModel));
        Add("-smp", config.Vcpus.ToString(CultureInfo.InvariantCulture));
        Add("-m", $"size={config.MemoryMiB.ToString(CultureInfo.InvariantCulture)}M");
        Add("-rtc", "base=utc");
        Add("-msg", "timestamp=on");
        Add("-action", config.Panic == PanicAction.Pause ? "panic=pause" : "panic=shutdown");
        if (config.Sandbox)
        {
            // seccomp filter for the whole life of the process. QEMU installs it before -daemonize forks, so
            // spawn=deny (which blocks fork) and elevateprivileges=deny (which blocks setsid) make QEMU 7.2 die at
            // start-up with -daemonize; the remaining groups are denied.
            Add("-sandbox", "on,obsolete=deny,resourcecontrol=deny");
        }

        if (config.Kernel is { } kernel)
        {
            Add("-kernel", kernel.Kernel);
            if (kernel.Initrd is not null)
                Add("-initrd", kernel.Initrd);
            if (kernel.Cmdline is not null)
                Add("-append", kernel.Cmdline);
        }
        // Boot order comes from bootindex on devices; strict means "only those, no fallback to others".
        Add("-boot", "strict=on");

        if (config.Serial is { } serial)
        {
            var chardev = $"socket,id=charserial0,path={QemuArgs.Escape(serial.Socket)},server=on,wait=off";
            if (serial.LogFile is not null)
                chardev += $",logfile={QemuArgs.Escape(serial.LogFile)},logappend=on";
            Add("-chardev", chardev);
            Add("-device", new IsaSerialDevice("serial0", "charserial0").ToJson().ToJsonString());
        }

        foreach (var node in config.BlockNodes)
        {
            Add("-blockdev", node.ProtocolJson().ToJsonString());
            Add("-blockdev", node.FormatJson().ToJsonString());
        }
        foreach (var netdev in config.Netdevs)
            Add("-netdev", netdev.ToArgument());
        foreach (var device in config.Devices)
            Add("-device", device.ToJson().ToJsonString());

        if (config.Vnc is { } vnc)
        {
            // 127.0.0.1 only. With no fixed port, `to=` makes QEMU take the first free display from :0 to :99.
            Add("-vnc", vnc.Port is { } port
                ? $"127.0.0.1:{(port - 5900).ToString(CultureInfo.InvariantCulture)}"
                : "127.0.0.1:0,to=99");
        }
        return argv;
    }
}
