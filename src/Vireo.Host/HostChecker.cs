using Vireo.Contracts;
using Vireo.Host.Checks;

namespace Vireo.Host;

/// <summary>
/// Validates a host for running VMs, like <c>virt-host-validate</c> plus the networking, storage and state checks
/// Vireo itself needs. Backs <c>vireo host check</c> and <c>GET /v1/host/check</c>.
/// </summary>
public sealed class HostChecker(HostEnvironment env)
{
    /// <summary>Checks the machine we run on, with <paramref name="stateDir"/> as the state directory.</summary>
    public static HostChecker ForThisHost(string stateDir = HostEnvironment.DefaultStateDir) =>
        new(HostEnvironment.ForThisHost(stateDir));

    /// <summary>The environment checked.</summary>
    public HostEnvironment Environment { get; } = env;

    /// <summary>
    /// Runs every check, in <see cref="HostCheckIds.InOrder"/>. Never throws for a broken host: a check that hits
    /// an unexpected error reports it as a failed item.
    /// </summary>
    public async Task<HostCheckReport> RunAsync(CancellationToken ct)
    {
        var kvm = KvmProbe.Probe(Environment);
        HostCheck[] checks =
        [
            new CpuVirtCheck(), new KvmModulesCheck(), new KvmDeviceCheck(kvm), new KvmNestedCheck(),
            new QemuBinaryCheck(), new QemuImgCheck(),
            new NetTunCheck(), new NetVhostCheck(), new NetBridgeCheck(), new NftablesCheck(), new DnsmasqCheck(),
            new CgroupCheck(), new IommuCheck(), new MemoryCheck(), new DiskCheck(), new StateDirCheck(),
            new UefiFirmwareCheck(),
        ];

        // Independent of each other; the ones that run tools (qemu, qemu-img, nft, dnsmasq) overlap this way.
        var items = await Task.WhenAll(checks.Select(c => RunOneAsync(c, ct))).ConfigureAwait(false);
        return new HostCheckReport { Checks = items, Accel = kvm.Accel };
    }

    private async Task<HostCheckItem> RunOneAsync(HostCheck check, CancellationToken ct)
    {
        try
        {
            return await Task.Run(() => check.RunAsync(Environment, ct), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new HostCheckItem
            {
                Id = check.Id, Title = check.Title, Status = CheckStatus.Fail,
                Detail = $"the check itself failed: {e.GetType().Name}: {e.Message}",
                Fix = "this is a Vireo bug or an unexpected host layout; report it with this line",
            };
        }
    }
}
