using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>qemu-img present (disk images are created and inspected with it).</summary>
internal sealed class QemuImgCheck : HostCheck
{
    private const string InstallFix = "apt-get install qemu-utils (RHEL/Fedora: dnf install qemu-img)";

    public override string Id => HostCheckIds.QemuImg;
    public override string Title => "qemu-img";

    public override async Task<HostCheckItem> RunAsync(HostEnvironment env, CancellationToken ct)
    {
        var probe = await ToolProbe.ProbeAsync(env, "qemu-img", env.QemuImgOverride, "VIREO_QEMU_IMG", [], ct)
            .ConfigureAwait(false);
        if (probe.NotFound is { } notFound)
            return Fail(notFound, env.QemuImgOverride is null ? InstallFix : "point VIREO_QEMU_IMG at a qemu-img binary, or unset it");
        if (probe.Run is { Succeeded: false } run)
            return Fail($"{probe.Path} --version failed: {run.FailureSummary}", "reinstall it: apt-get install --reinstall qemu-utils");
        if (probe.Version is not { } version)
            return Fail($"{probe.Path} --version printed no version: '{probe.Run!.Stdout.Trim()}'", InstallFix);
        return Pass($"{probe.Path}: {version.Banner}");
    }
}
