using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>qemu-system-x86_64 present and new enough.</summary>
internal sealed class QemuBinaryCheck : HostCheck
{
    /// <summary>
    /// QEMU 6.2 is the first release whose <c>-device</c> accepts JSON (Kevin Wolf's series of Oct 2021, advertised
    /// as the <c>json-cli</c> feature of device_add), which Vireo's argv builder emits. Ubuntu 22.04 ships 6.2.
    /// </summary>
    public static readonly Version Minimum = new(6, 2);

    private const string InstallFix = "apt-get install qemu-system-x86 (RHEL/Fedora: dnf install qemu-kvm)";

    public override string Id => HostCheckIds.QemuBinary;
    public override string Title => "QEMU";

    public override async Task<HostCheckItem> RunAsync(HostEnvironment env, CancellationToken ct)
    {
        var probe = await ToolProbe.ProbeAsync(env, "qemu-system-x86_64", env.QemuOverride, "VIREO_QEMU",
            env.ExtraQemuPaths, ct).ConfigureAwait(false);
        if (probe.NotFound is { } notFound)
            return Fail(notFound, env.QemuOverride is null ? InstallFix : "point VIREO_QEMU at a qemu-system-x86_64 binary, or unset it");
        if (probe.Run is { Succeeded: false } run)
            return Fail($"{probe.Path} --version failed: {run.FailureSummary}", "reinstall it: apt-get install --reinstall qemu-system-x86");
        if (probe.Version is not { } version)
            return Fail($"{probe.Path} --version printed no version: '{probe.Run!.Stdout.Trim()}'",
                "point VIREO_QEMU at a real qemu-system-x86_64, or apt-get install qemu-system-x86");
        if (version.Version < Minimum)
            return Fail($"{probe.Path}: version {version.Text} is older than {Minimum} (needed for JSON -device)",
                $"upgrade QEMU to {Minimum} or newer (Debian 12 ships 7.2, Ubuntu 22.04 ships 6.2)");
        return Pass($"{probe.Path}: {version.Banner}");
    }
}
