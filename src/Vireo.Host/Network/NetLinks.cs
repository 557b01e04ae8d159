using Vireo.Host.Os;

namespace Vireo.Host.Network;

/// <summary>
/// Bridges, taps, routes and neighbours through iproute2 (<c>ip -json</c>), always argv through an
/// <see cref="ICommandRunner"/>. Every operation is idempotent: ensuring an existing thing converges it, deleting a
/// missing thing succeeds.
/// </summary>
public sealed class NetLinks(ICommandRunner runner)
{
    private const string Ip = "ip";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string IpForwardPath = "/proc/sys/net/ipv4/ip_forward";

    /// <summary>The link called <paramref name="name"/>, or null when there is none.</summary>
    public async Task<LinkInfo?> GetLinkAsync(string name, CancellationToken ct)
    {
        var r = await runner.RunAsync(Ip, ["-details", "-json", "addr", "show", "dev", name], Timeout, ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            if (r.StartError is null && IsMissingDevice(r.Stderr)) return null;
            throw Failed(["-details", "-json", "addr", "show", "dev", name], r);
        }
        var links = IpJson.ParseLinks(r.Stdout);
        return links.Count == 0 ? null : links[0];
    }

    /// <summary>
    /// Makes <paramref name="bridge"/> exist as a bridge with STP off and no forward delay (a host-only bridge has no
    /// loops to protect against, and a delay would make the first DHCP requests of a booting guest vanish), with
    /// exactly <paramref name="addressCidr"/> as its IPv4 address when one is given, and up.
    /// </summary>
    public async Task EnsureBridgeAsync(string bridge, string? addressCidr, CancellationToken ct)
    {
        var link = await GetLinkAsync(bridge, ct).ConfigureAwait(false);
        if (link is not null && link.Kind != "bridge")
            throw new InvalidOperationException($"{bridge} exists but is a {link.Kind ?? "plain device"}, not a bridge");
        if (link is null)
        {
            var add = await runner.RunAsync(Ip,
                ["link", "add", "name", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0"], Timeout, ct).ConfigureAwait(false);
            // Another caller may have created it between our look and our add: that is the state we wanted.
            if (!add.Succeeded && !(add.StartError is null && add.Stderr.Contains("File exists", StringComparison.Ordinal)))
                throw Failed(["link", "add", "name", bridge, "type", "bridge"], add);
            link = await GetLinkAsync(bridge, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"bridge {bridge} vanished right after it was created");
        }
        else
        {
            await RunAsync(ct, "link", "set", "dev", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0").ConfigureAwait(false);
        }

        if (addressCidr is not null)
        {
            var wanted = Cidr.Normalize(addressCidr);
            foreach (var old in link.Addresses.Where(a => a != wanted))
                await RunAsync(ct, "addr", "del", old, "dev", bridge).ConfigureAwait(false);
            if (!link.Addresses.Contains(wanted))
                await RunAsync(ct, "addr", "add", wanted, "dev", bridge).ConfigureAwait(false);
        }
        if (!link.Up)
            await RunAsync(ct, "link", "set", "dev", bridge, "up").ConfigureAwait(false);
    }

    /// <summary>Deletes the link (bridge, tap, veth...). A link that does not exist is not an error.</summary>
    public async Task DeleteLinkAsync(string name, CancellationToken ct)
    {
        var r = await runner.RunAsync(Ip, ["link", "del", "dev", name], Timeout, ct).ConfigureAwait(false);
        if (r.Succeeded || (r.StartError is null && IsMissingDevice(r.Stderr))) return;
        throw Failed(["link", "del", "dev", name], r);
    }

    /// <summary>
    /// Makes <paramref name="tap"/> a persistent tap device, a port of <paramref name="bridge"/>, and up. An existing
    /// tap is only (re)attached. QEMU then opens it with <c>-netdev tap,ifname=T,script=no,downscript=no</c>.
    /// </summary>
    /// <remarks>
    /// The kernel refuses (TUNSETIFF: EINVAL) to attach a queue whose IFF_MULTI_QUEUE flag differs from the one the
    /// persistent device was created with, so a tap QEMU opens with <c>queues=N&gt;1</c> must be created with
    /// <paramref name="multiQueue"/> true, and one opened with a single queue with it false. A tap whose flag does not
    /// match is recreated (it is ours, and a tap is only recreated while its VM is not running).
    /// </remarks>
    public async Task CreateTapAsync(string tap, string bridge, bool multiQueue, CancellationToken ct)
    {
        var link = await GetLinkAsync(tap, ct).ConfigureAwait(false);
        if (link is not null && (link.Kind != "tun" || link.TunType != "tap"))
            throw new InvalidOperationException($"{tap} exists but is a {link.Kind ?? "plain device"}, not a tap");
        if (link is not null && link.MultiQueue != multiQueue)
        {
            await DeleteLinkAsync(tap, ct).ConfigureAwait(false);
            link = null;
        }
        if (link is null)
        {
            List<string> args = ["tuntap", "add", "dev", tap, "mode", "tap"];
            if (multiQueue) args.Add("multi_queue");
            await RunAsync(ct, [.. args]).ConfigureAwait(false);
        }
        if (link?.Master != bridge)
            await RunAsync(ct, "link", "set", "dev", tap, "master", bridge).ConfigureAwait(false);
        if (link is null || !link.Up)
            await RunAsync(ct, "link", "set", "dev", tap, "up").ConfigureAwait(false);
    }

    /// <summary>The names of the ports of <paramref name="bridge"/> (empty when it has none).</summary>
    public async Task<IReadOnlyList<string>> BridgePortsAsync(string bridge, CancellationToken ct)
    {
        var json = await RunAsync(ct, "-json", "link", "show", "master", bridge).ConfigureAwait(false);
        return IpJson.ParseLinks(json).Select(l => l.Name).ToList();
    }

    /// <summary>The IPv4 routes of the main table.</summary>
    public async Task<IReadOnlyList<RouteInfo>> ListRoutesAsync(CancellationToken ct) =>
        IpJson.ParseRoutes(await RunAsync(ct, "-4", "-json", "route", "show", "table", "main").ConfigureAwait(false));

    /// <summary>The IPv4 neighbour (ARP) table.</summary>
    public async Task<IReadOnlyList<NeighbourInfo>> ListNeighboursAsync(CancellationToken ct) =>
        IpJson.ParseNeighbours(await RunAsync(ct, "-4", "-json", "neigh", "show").ConfigureAwait(false));

    /// <summary>Whether IPv4 forwarding is on in this process's network namespace.</summary>
    public static bool IpForwardingEnabled() => File.ReadAllText(IpForwardPath).Trim() == "1";

    /// <summary>
    /// Turns IPv4 forwarding on in this process's network namespace (/proc/sys is per namespace). NAT networks route
    /// guest traffic through the host, which the kernel only does with forwarding on.
    /// </summary>
    public static void EnableIpForwarding()
    {
        if (!IpForwardingEnabled()) File.WriteAllText(IpForwardPath, "1\n");
    }

    /// <summary>
    /// <c>net.ipv4.conf.INTERFACE.route_localnet</c> in this process's network namespace; null when the interface does
    /// not exist. <see cref="NftFirewall.ApplyAsync"/> sets it on bridges whose forwards answer on 127.0.0.1.
    /// </summary>
    public static bool? RouteLocalnet(string interfaceName)
    {
        var path = $"/proc/sys/net/ipv4/conf/{NftScript.CheckedInterface(interfaceName)}/route_localnet";
        try
        {
            return File.ReadAllText(path).Trim() == "1";
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private async Task<string> RunAsync(CancellationToken ct, params string[] args)
    {
        var r = await runner.RunAsync(Ip, args, Timeout, ct).ConfigureAwait(false);
        if (!r.Succeeded) throw Failed(args, r);
        return r.Stdout;
    }

    private static bool IsMissingDevice(string stderr) =>
        stderr.Contains("does not exist", StringComparison.Ordinal) || stderr.Contains("Cannot find device", StringComparison.Ordinal);

    private static InvalidOperationException Failed(IReadOnlyList<string> args, CommandResult r) => ToolFailure.Of(Ip, args, r);
}
