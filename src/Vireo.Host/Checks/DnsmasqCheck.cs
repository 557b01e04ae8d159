using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>dnsmasq present: NAT networks hand out DHCP leases and DNS with it, as libvirt does.</summary>
internal sealed class DnsmasqCheck : HostCheck
{
    private const string InstallFix = "apt-get install dnsmasq-base (RHEL/Fedora: dnf install dnsmasq)";

    public override string Id => HostCheckIds.NetDnsmasq;
    public override string Title => "dnsmasq";

    public override async Task<HostCheckItem> RunAsync(HostEnvironment env, CancellationToken ct)
    {
        var probe = await ToolProbe.ProbeAsync(env, "dnsmasq", null, null, [], ct).ConfigureAwait(false);
        if (probe.NotFound is { } notFound)
            return Warn($"{notFound}: NAT networks get no DHCP or DNS", InstallFix);
        if (probe.Run is { Succeeded: false } run)
            return Warn($"{probe.Path} --version failed: {run.FailureSummary}", $"reinstall it: {InstallFix}");
        return Pass(probe.Version is { } v ? $"{probe.Path}: dnsmasq {v.Text}" : probe.Path!);
    }
}
