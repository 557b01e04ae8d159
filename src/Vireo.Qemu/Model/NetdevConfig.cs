namespace Vireo.Qemu.Model;

/// <summary>A host network backend (-netdev).</summary>
public abstract record NetdevConfig(string Id)
{
    /// <summary>The -netdev value in QEMU's key=value syntax, values escaped.</summary>
    public abstract string ToArgument();
}

/// <summary>User-mode networking (slirp): no privileges needed; the guest sits behind QEMU's own NAT.</summary>
/// <param name="Id">Netdev id.</param>
/// <param name="HostForwards">Forwards such as <c>tcp:127.0.0.1:8080-:80</c>.</param>
public sealed record UserNetdev(string Id, IReadOnlyList<string>? HostForwards = null) : NetdevConfig(Id)
{
    /// <inheritdoc />
    public override string ToArgument() =>
        string.Join(',', new[] { "user", $"id={QemuArgs.Escape(Id)}" }
            .Concat((HostForwards ?? []).Select(f => $"hostfwd={QemuArgs.Escape(f)}")));
}

/// <summary>A tap device. The manager creates it (or QEMU does, as root) — never through a helper script.</summary>
/// <param name="Id">Netdev id.</param>
/// <param name="Ifname">Host interface name (at most 15 characters).</param>
/// <param name="Vhost">Use vhost-net (in-kernel virtio data path) when /dev/vhost-net exists.</param>
/// <param name="Queues">Queue pairs (multiqueue when more than 1).</param>
public sealed record TapNetdev(string Id, string Ifname, bool Vhost, int Queues = 1) : NetdevConfig(Id)
{
    /// <inheritdoc />
    public override string ToArgument()
    {
        var parts = new List<string>
        {
            "tap", $"id={QemuArgs.Escape(Id)}", $"ifname={QemuArgs.Escape(Ifname)}",
            // script=no: QEMU must not run /etc/qemu-ifup as root; the manager configures the tap itself.
            "script=no", "downscript=no", $"vhost={(Vhost ? "on" : "off")}",
        };
        if (Queues > 1)
            parts.Add($"queues={Queues}");
        return string.Join(',', parts);
    }
}
