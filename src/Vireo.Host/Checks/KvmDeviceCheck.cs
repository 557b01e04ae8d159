using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>/dev/kvm present and openable read-write; without it VMs fall back to TCG (a warning, not a failure).</summary>
internal sealed class KvmDeviceCheck(KvmStatus status) : FileHostCheck
{
    public override string Id => HostCheckIds.KvmDevice;
    public override string Title => "/dev/kvm";

    protected override HostCheckItem Check(HostEnvironment env) =>
        status.Usable ? Pass(status.Detail) : Warn(status.TcgWarning!, status.Fix!);
}
