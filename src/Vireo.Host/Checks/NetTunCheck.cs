using Vireo.Contracts;
using Vireo.Host.Os;

namespace Vireo.Host.Checks;

/// <summary>/dev/net/tun: every tap device a VM NIC uses is created through it.</summary>
internal sealed class NetTunCheck : FileHostCheck
{
    private const string ModprobeFix = "modprobe tun (and load it at boot: echo tun > /etc/modules-load.d/tun.conf)";

    public override string Id => HostCheckIds.NetTun;
    public override string Title => "/dev/net/tun";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var path = env.Dev("net/tun");
        var node = env.Devices.Inspect(path);
        if (node.Kind == NodeKind.Missing)
            return Fail($"{path} does not exist: tap devices for VM networking cannot be created", ModprobeFix);
        if (node.Kind == NodeKind.Other)
            return Fail($"{path} exists but is not a character device",
                $"recreate it: rm {path} && mknod -m 0666 {path} c 10 200");
        // Opening without TUNSETIFF creates no interface, so this is side-effect free.
        if (env.Devices.TryOpenReadWrite(path) is { } error)
            return Fail($"{path} ({node.Describe()}) cannot be opened read-write: {error}",
                "run vireod as root (creating tap devices needs CAP_NET_ADMIN)");
        return Pass($"{node.Describe()}, opened read-write");
    }
}
