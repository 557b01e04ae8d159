using Vireo.Host.Os;

namespace Vireo.Host.Tests;

/// <summary>The real statx/open seam against the real /dev of this machine.</summary>
public sealed class LinuxDeviceNodesTests : IDisposable
{
    private readonly LinuxDeviceNodes _nodes = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-devnodes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Inspect_ReadsTypeNumbersAndMode_OfDevNull()
    {
        var node = _nodes.Inspect("/dev/null");
        Assert.Equal(new DeviceNode(NodeKind.CharDevice, 1, 3, Convert.ToUInt32("666", 8), 0, 0), node);
        Assert.Equal("crw-rw-rw- 1:3", node.Describe());
    }

    [Fact]
    public void Inspect_SeesDevNetTunAsTheTunDevice()
    {
        var node = _nodes.Inspect("/dev/net/tun");
        Assert.Equal(NodeKind.CharDevice, node.Kind);
        Assert.Equal((10u, 200u), (node.Major, node.Minor));
    }

    [Fact]
    public void Inspect_TellsRegularFilesAndDirectoriesFromDevices()
    {
        var file = Path.Combine(_dir, "kvm");
        File.WriteAllText(file, "a regular file named kvm is not /dev/kvm");
        Assert.Equal(NodeKind.Other, _nodes.Inspect(file).Kind);
        Assert.Equal(NodeKind.Other, _nodes.Inspect(_dir).Kind);
        Assert.Equal(NodeKind.Missing, _nodes.Inspect(Path.Combine(_dir, "absent")).Kind);
    }

    [Fact]
    public void Inspect_FollowsSymlinksToDevices()
    {
        var link = Path.Combine(_dir, "null-link");
        File.CreateSymbolicLink(link, "/dev/null");
        Assert.Equal(NodeKind.CharDevice, _nodes.Inspect(link).Kind);
    }

    [Fact]
    public void TryOpenReadWrite_OpensRealDevices_AndExplainsFailures()
    {
        Assert.Null(_nodes.TryOpenReadWrite("/dev/null"));
        Assert.Null(_nodes.TryOpenReadWrite("/dev/net/tun"));
        Assert.Equal(new OpenError(2, "No such file or directory"), _nodes.TryOpenReadWrite(Path.Combine(_dir, "absent")));
        Assert.Equal(new OpenError(21, "Is a directory"), _nodes.TryOpenReadWrite(_dir));
        Assert.False(new OpenError(21, "Is a directory").IsPermissionDenied);
        Assert.True(new OpenError(13, "Permission denied").IsPermissionDenied);
    }

    [Fact]
    public void TryOpenReadWrite_ReportsReadOnlyFileSystems_EvenToRoot()
    {
        // sysfs attributes without a write bit refuse O_RDWR for everyone: a real EACCES here, no simulation.
        var error = _nodes.TryOpenReadWrite("/sys/devices/system/cpu/online");
        Assert.NotNull(error);
        Assert.True(error.IsPermissionDenied, error.ToString());
    }

    [Fact]
    public void DevKvm_IsReportedAsWhatItReallyIs()
    {
        var node = _nodes.Inspect("/dev/kvm");
        Assert.Equal(File.Exists("/dev/kvm") ? NodeKind.CharDevice : NodeKind.Missing, node.Kind);
        if (node.Kind == NodeKind.CharDevice) Assert.Equal((10u, 232u), (node.Major, node.Minor));
        else Assert.Equal(2, _nodes.TryOpenReadWrite("/dev/kvm")!.Errno);
    }
}
