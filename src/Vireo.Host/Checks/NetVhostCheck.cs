using Vireo.Contracts;
using Vireo.Host.Os;

namespace Vireo.Host.Checks;

/// <summary>/dev/vhost-net: moves the virtio-net datapath into the kernel. Optional, but much faster.</summary>
internal sealed class NetVhostCheck : FileHostCheck
{
    private const string ModprobeFix =
        "modprobe vhost_net (and load it at boot: echo vhost_net > /etc/modules-load.d/vhost-net.conf)";
    private const string Slower = "VM networking works, but every packet goes through QEMU's userspace (slower)";

    public override string Id => HostCheckIds.NetVhost;
    public override string Title => "/dev/vhost-net";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var path = env.Dev("vhost-net");
        var node = env.Devices.Inspect(path);
        if (node.Kind == NodeKind.Missing) return Warn($"{path} does not exist: {Slower}", ModprobeFix);
        if (node.Kind == NodeKind.Other)
            return Warn($"{path} is not a character device: {Slower}", $"recreate it: rm {path} && mknod -m 0600 {path} c 10 238");
        if (env.Devices.TryOpenReadWrite(path) is { } error)
            return Warn($"{path} ({node.Describe()}) cannot be opened read-write ({error}): {Slower}", "run vireod as root");
        return Pass($"{node.Describe()}, opened read-write: in-kernel virtio-net datapath");
    }
}
