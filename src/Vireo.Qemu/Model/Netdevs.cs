using System.Globalization;
using System.Text.Json.Nodes;

namespace Vireo.Qemu.Model;

/// <summary>
/// A network backend. <see cref="ToJson"/> is both the <c>-netdev</c> JSON argument (accepted since QEMU 7.1;
/// verified on 7.2) and the argument of QMP <c>netdev_add</c>.
/// </summary>
public interface IQemuNetdev
{
    /// <summary>Netdev id that NICs refer to.</summary>
    string Id { get; }

    /// <summary>The netdev as QEMU JSON, <c>type</c> and <c>id</c> included.</summary>
    JsonObject ToJson();
}

/// <summary>
/// User-mode networking (slirp): NAT inside the QEMU process, no host privileges, guest at 10.0.2.15; only the
/// forwarded ports are reachable from the host.
/// </summary>
/// <param name="Id">Netdev id.</param>
public sealed record UserNetdev(string Id) : IQemuNetdev
{
    /// <summary>Host ports forwarded into the guest.</summary>
    public IReadOnlyList<HostForward> HostForwards { get; init; } = [];

    /// <inheritdoc/>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["type"] = "user", ["id"] = Id };
        if (HostForwards.Count > 0)
        {
            // QAPI types hostfwd as a list of {"str": "..."} wrappers, each in the legacy hostfwd syntax.
            var list = new JsonArray();
            foreach (var f in HostForwards) list.Add((JsonNode)new JsonObject { ["str"] = f.ToQemuString() });
            o["hostfwd"] = list;
        }
        return o;
    }
}

/// <summary>Transport protocol of a <see cref="HostForward"/>.</summary>
public enum ForwardProtocol
{
    /// <summary>TCP.</summary>
    Tcp,

    /// <summary>UDP.</summary>
    Udp,
}

/// <summary>A host port forwarded to a guest port by user-mode networking.</summary>
/// <param name="Protocol">TCP or UDP.</param>
/// <param name="HostPort">Port on the host.</param>
/// <param name="GuestPort">Port in the guest.</param>
public sealed record HostForward(ForwardProtocol Protocol, int HostPort, int GuestPort)
{
    /// <summary>Host address to listen on; loopback by default so nothing is exposed to the network.</summary>
    public string HostAddress { get; init; } = "127.0.0.1";

    /// <summary>Guest address; null means the guest's DHCP address (10.0.2.15).</summary>
    public string? GuestAddress { get; init; }

    /// <summary>QEMU's hostfwd syntax, for example <c>tcp:127.0.0.1:2222-:22</c>.</summary>
    public string ToQemuString() => string.Create(CultureInfo.InvariantCulture,
        $"{(Protocol == ForwardProtocol.Tcp ? "tcp" : "udp")}:{HostAddress}:{HostPort}-{GuestAddress}:{GuestPort}");
}

/// <summary>
/// A tap device created and attached to a bridge by the host manager beforehand; QEMU only opens it.
/// </summary>
/// <param name="Id">Netdev id.</param>
/// <param name="IfName">Name of the existing tap interface (at most 15 characters).</param>
public sealed record TapNetdev(string Id, string IfName) : IQemuNetdev
{
    /// <summary>
    /// Use the in-kernel vhost-net data path (needs /dev/vhost-net; QEMU fails to start without it when true).
    /// </summary>
    public bool Vhost { get; init; }

    /// <summary>Queue pairs; &gt; 1 needs a tap created with IFF_MULTI_QUEUE and a virtio-net NIC with the same count.</summary>
    public int Queues { get; init; } = 1;

    /// <summary>
    /// Descriptors of the tap's queues, numbers QEMU inherits or names given over QMP (getfd), opened by vireod (libvirt's tapfd): QEMU runs
    /// unprivileged and may not open /dev/net/tun itself. Empty: QEMU opens the tap by name.
    /// </summary>
    public IReadOnlyList<string> Fds { get; init; } = [];

    /// <inheritdoc/>
    public JsonObject ToJson()
    {
        if (Fds.Count > 0)
        {
            var f = new JsonObject { ["type"] = "tap", ["id"] = Id };
            // A number (inherited at launch) or a name given to the monitor with getfd (hot-plug).
            if (Fds.Count == 1) f["fd"] = Fds[0];
            else f["fds"] = string.Join(':', Fds);
            f["vhost"] = Vhost;
            return f;
        }
        var o = new JsonObject
        {
            ["type"] = "tap",
            ["id"] = Id,
            ["ifname"] = IfName,
            // QEMU must never run /etc/qemu-ifup: the host manager owns the tap and its bridge membership.
            ["script"] = "no",
            ["downscript"] = "no",
            ["vhost"] = Vhost,
        };
        if (Queues > 1) o["queues"] = Queues;
        return o;
    }
}
