using Microsoft.AspNetCore.Http;
using Vireo.Contracts;
using Vireo.Daemon;

namespace Vireo.Fuzz.Tests;

/// <summary>A field a request body leaves out has its documented default, as the API reference says.</summary>
public class BodyDefaultsTests
{
    private static Task<T> Read<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        context.Request.ContentType = "application/json";
        return JsonBody.ReadAsync(context.Request, type, CancellationToken.None);
    }

    [Fact]
    public async Task Absent_fields_keep_their_defaults()
    {
        var c = VireoJsonContext.Default;
        var disk = await Read("""{"volume": "default/a.qcow2"}""", c.DiskSpec);
        Assert.Equal("disk", disk.Device);
        var image = await Read("""{"name": "x", "from": "/x", "os": "linux"}""", c.ImageImportRequest);
        Assert.NotNull(image.Firmware);
        var exec = await Read("""{"path": "/bin/true"}""", c.ExecRequest);
        Assert.NotNull(exec.Args);
        var nic = await Read("""{}""", c.NicSpec);
        Assert.Equal(("user", "virtio"), (nic.Type, nic.Model));
        Assert.True(nic.Link, "NicSpec.Link");
        var forward = await Read("""{"network": "default", "host_port": 8080, "guest_port": 80, "vm": "web1"}""", c.PortForward);
        Assert.Equal("tcp", forward.Protocol);
        var network = await Read("""{"name": "lab"}""", c.NetworkSpec);
        Assert.Equal(NetworkMode.Nat, network.Mode);
        Assert.True(network.Autostart, "NetworkSpec.Autostart");
        var uplink = await Read("""{"bridge": "br0", "from": "eth0"}""", c.BridgeUplinkRequest);
        Assert.Equal(20, uplink.TimeoutSeconds);
    }
}
