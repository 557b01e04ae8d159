using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;
using Vireo.Host.Network;
using Vireo.Host.Os;
using Vireo.Persistence;

namespace Vireo.Core.Networks;

/// <summary>What one VM looks like to the network service: its spec and whether QEMU runs.</summary>
internal sealed record VmView(VmSpec Spec, bool Running);

/// <summary>
/// Vireo's virtual networks: definitions in the store, and on the host their bridges, dnsmasq instances,
/// nftables table and port forwards. Every change is serialised by one lock; host changes are undone when a step
/// fails, so a refused or failed request leaves the host and the store as they were.
/// </summary>
public sealed partial class NetworkService
{
    private const string DefaultCreatedKey = "default_network_created";
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly VireoStore _store;
    private readonly StatePaths _paths;
    private readonly ILogger _log;
    private readonly NetLinks _links;
    private readonly NftFirewall _firewall;
    private readonly DnsmasqProcess _dnsmasq;
    private Func<IReadOnlyList<VmView>> _vms = () => [];

    internal NetworkService(VireoStore store, StatePaths paths, ILogger logger, ICommandRunner runner)
    {
        _store = store;
        _paths = paths;
        _log = logger;
        _links = new NetLinks(runner);
        _firewall = new NftFirewall(runner);
        _dnsmasq = new DnsmasqProcess(runner);
    }

    /// <summary>Told (network, what changed) after each change a request made (GET /v1/events); must not block.</summary>
    public Action<string, string>? Changed { get; set; }

    private T Announce<T>(string network, string message, T value)
    {
        Changed?.Invoke(network, message);
        return value;
    }

    /// <summary>Lets the service see the engine's VMs (set once by the engine, before any request).</summary>
    internal void AttachVms(Func<IReadOnlyList<VmView>> vms) => _vms = vms;

    /// <summary>
    /// At vireod start: creates <c>default</c> the first time, then (re)applies every autostart network and the
    /// firewall. Idempotent: running it on a host where everything is in place changes nothing.
    /// </summary>
    /// <param name="hostRebooted">The host rebooted since vireod last ran: a network that was up stays down unless it is autostart.</param>
    public async Task InitializeAsync(bool createDefault, CancellationToken ct, bool hostRebooted = false)
    {
        await _lock.WaitAsync(ct);
        try
        {
            ClaimHostNetworking();
            if (createDefault && ManagedElsewhere is null && _store.GetMeta(DefaultCreatedKey) is null)
            {
                if (Find("default") is null)
                {
                    try
                    {
                        await CreateCoreAsync(new NetworkSpec { Name = "default" }, start: false, ct);
                    }
                    catch (VireoException e)
                    {
                        _log.LogError("cannot create the default network: {Error}", e.Message);
                    }
                }
                _store.SetMeta(DefaultCreatedKey, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            }
            foreach (var record in _store.ListNetworks())
            {
                var spec = Parse(record);
                // A network that was active when vireod stopped (running VMs may use it) comes back as well,
                // unless the host rebooted since: then only autostart networks come up.
                if (!spec.Autostart && record.Active && hostRebooted)
                {
                    _store.UpdateNetworkState(spec.Name, false, "the host rebooted; the network is not autostart");
                    continue;
                }
                if (!spec.Autostart && !record.Active)
                    continue;
                if (ManagedElsewhere is not null && spec.Mode is NetworkMode.Nat or NetworkMode.Isolated)
                {
                    _store.UpdateNetworkState(spec.Name, false, ManagedElsewhere);
                    continue;
                }
                try
                {
                    await StartCoreAsync(spec, ct);
                }
                catch (VireoException e)
                {
                    _log.LogError("network {Name}: start failed: {Error}", spec.Name, e.Message);
                    _store.UpdateNetworkState(spec.Name, false, e.Message);
                }
            }
            StartWatchdog();
        }
        finally
        {
            _lock.Release();
        }
    }

    public IReadOnlyList<NetworkInfo> List() => _store.ListNetworks().Select(r => Info(r)).ToList();

    public NetworkInfo Get(string name) => Info(FindRecord(name));

    public async Task<NetworkInfo> CreateAsync(NetworkSpec spec, bool start, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            // The operation journal (issue 18): a kill -9 inside leaves the intent for the next vireod to settle.
            using var intent = new Operations.OperationJournal(_store).Begin("network-create", spec.Name ?? "", start ? "start" : null);
            var created = await CreateCoreAsync(spec, start, ct);
            return Announce(created.Name, "created", Info(FindRecord(created.Name)));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<NetworkInfo> StartAsync(string name, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var record = FindRecord(name);
            using var intent = new Operations.OperationJournal(_store).Begin("network-start", name);
            await StartCoreAsync(Parse(record), ct);
            return Announce(name, "started", Info(FindRecord(name)));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<NetworkInfo> StopAsync(string name, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var spec = Parse(FindRecord(name));
            var running = VmsOn(name).Where(v => v.Running).Select(v => v.Spec.Name).ToList();
            if (running.Count > 0)
                throw new InvalidStateException($"network \"{name}\" carries running VMs ({string.Join(", ", running)}); they would lose their network")
                {
                    Hint = $"Stop them first: vireo shutdown {running[0]}",
                };
            await StopCoreAsync(spec, ct);
            return Announce(name, "stopped", Info(FindRecord(name)));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task DeleteAsync(string name, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            var spec = Parse(FindRecord(name));
            var users = VmsOn(name).Select(v => v.Spec.Name).ToList();
            if (users.Count > 0)
                throw new InvalidStateException(
                    $"network \"{name}\" is in use by {string.Join(", ", users)}; remove their NICs on it or undefine them first");
            await StopCoreAsync(spec, ct);
            _store.DeleteNetwork(name);
            TryDeleteDirectory(_paths.ForNetwork(name));
            Changed?.Invoke(name, "deleted");
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// At a clean vireod stop: networks that no running VM uses are taken down (no bridge, dnsmasq or rule is left
    /// behind); networks that running VMs still use stay up so those VMs keep working while vireod is away.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken ct)
    {
        await StopWatchdogAsync();
        await _lock.WaitAsync(ct);
        try
        {
            foreach (var record in _store.ListNetworks().Where(r => r.Active))
            {
                if (VmsOn(record.Name).Any(v => v.Running))
                    continue;
                try
                {
                    // Taken down, but still marked active so that the next vireod brings it back.
                    await TearDownAsync(Parse(record), ct);
                }
                catch (Exception e) when (e is VireoException or IOException or InvalidOperationException)
                {
                    _log.LogWarning("network {Name}: teardown at shutdown failed: {Error}", record.Name, e.Message);
                }
            }
            if (ManagedElsewhere is null && !_store.ListNetworks().Any(r => r.Active && VmsOn(r.Name).Any(v => v.Running)))
                await _firewall.RemoveAsync(ct);
        }
        finally
        {
            ReleaseHostNetworking();
            _lock.Release();
        }
    }

    /// <summary>What a NIC on <paramref name="network"/> attaches to; throws when it cannot be used now.</summary>
    internal NetworkAttachment Resolve(string network, string field)
    {
        var record = _store.ListNetworks().FirstOrDefault(r => r.Name == network)
            ?? throw InvalidInputException.For("NIC", [MissingNetwork(field, network)]);
        var spec = Parse(record);
        if (!record.Active && spec.Mode != NetworkMode.User)
            throw InvalidInputException.For("NIC", [new FieldError
            {
                Field = field,
                Value = network,
                Message = $"is not active{(record.Reason is null ? "" : $" ({record.Reason})")}",
                Hint = $"Start it: vireo net start {network}",
            }]);
        var forwards = spec.Mode == NetworkMode.User
            ? _store.ListPortForwards().Where(f => f.Network == network).Select(ToContract).ToList()
            : [];
        return new NetworkAttachment(spec.Mode, spec.Bridge, forwards);
    }

    /// <summary>The error for a NIC on a network that does not exist (here: another vireod may own the networks).</summary>
    internal FieldError MissingNetwork(string field, string network) => ManagedElsewhere is not null && network == "default"
        ? new FieldError
        {
            Field = field,
            Value = network,
            Message = $"is not a network here: {ManagedElsewhere}, so this vireod made no default network",
            Hint = "Give the VM --network user, --network bridge=BR (an existing host bridge) or --network none, or use the other vireod",
        }
        : new FieldError
        {
            Field = field,
            Value = network,
            Message = "is not a network",
            Hint = $"List the networks (vireo net list), or create it: vireo net create {network}",
        };

    /// <summary>True when a network of that name is defined.</summary>
    internal bool Exists(string network) => Find(network) is not null;

    /// <summary>Called after VMs are defined or removed: DHCP host entries (names, reservations) follow.</summary>
    public async Task VmsChangedAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            foreach (var record in _store.ListNetworks().Where(r => r.Active))
            {
                var spec = Parse(record);
                if (spec.Mode is NetworkMode.Nat or NetworkMode.Isolated)
                    await RefreshHostsAsync(spec);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>An undefined VM takes its forwards and reservations with it.</summary>
    public async Task VmRemovedAsync(string vm, CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            foreach (var f in _store.ListPortForwards().Where(f => f.Vm == vm))
                _store.DeletePortForward(f.Protocol, f.HostAddress, f.HostPort);
            foreach (var r in _store.ListReservations().Where(r => r.Vm == vm))
                _store.DeleteReservation(r.Network, r.Vm);
            foreach (var record in _store.ListNetworks().Where(r => r.Active))
            {
                var spec = Parse(record);
                if (spec.Mode is NetworkMode.Nat or NetworkMode.Isolated)
                    await RefreshHostsAsync(spec);
            }
            if (_store.ListNetworks().Any(r => r.Active))
                await ApplyFirewallAsync(ct);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _log.LogWarning("cleaning up the network entries of VM {Vm} failed: {Error}", vm, e.Message);
        }
        finally
        {
            _lock.Release();
        }
    }

    private NetworkRecord? Find(string name) => _store.ListNetworks().FirstOrDefault(r => r.Name == name);

    private NetworkRecord FindRecord(string name)
    {
        if (Vireo.Core.Specs.VmNameRules.Validate(name) is { } problem)
            throw new InvalidInputException($"invalid network name: \"{name}\" {problem}", [new FieldError { Field = "name", Value = name, Message = problem }]);
        return Find(name) ?? throw new NotFoundException("network", name);
    }

    private static NetworkSpec Parse(NetworkRecord record) =>
        JsonSerializer.Deserialize(record.SpecJson, VireoJsonContext.Default.NetworkSpec)
        ?? throw new UnavailableException($"the stored definition of network \"{record.Name}\" is unreadable");

    /// <summary>VMs with at least one NIC on the network.</summary>
    private List<VmView> VmsOn(string network) =>
        _vms().Where(v => v.Spec.Nics.Any(n => n.Type == "network" && n.Network == network)).ToList();

    private void TryDeleteDirectory(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException e)
        {
            _log.LogWarning("cannot remove {Dir}: {Error}", dir, e.Message);
        }
    }

    private static PortForward ToContract(PortForwardRecord f) => new()
    {
        Network = f.Network,
        Protocol = f.Protocol,
        HostAddress = f.HostAddress.Length == 0 ? null : f.HostAddress,
        HostPort = f.HostPort,
        Vm = f.Vm,
        GuestPort = f.GuestPort,
    };
}

/// <summary>What a VM NIC on a Vireo network becomes: a tap in <see cref="Bridge"/>, or QEMU user networking.</summary>
public sealed record NetworkAttachment(NetworkMode Mode, string? Bridge, IReadOnlyList<PortForward> UserForwards);
