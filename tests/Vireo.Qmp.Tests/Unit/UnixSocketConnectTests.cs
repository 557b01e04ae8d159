using System.Net.Sockets;

namespace Vireo.Qmp.Tests.Unit;

public sealed class UnixSocketConnectTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vireo-qmp-connect-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Connecting_to_a_missing_socket_names_the_path()
    {
        var path = Path.Combine(_dir.FullName, "absent.sock");

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => QmpClient.ConnectAsync(path).Within());
        Assert.Equal(path, ex.SocketPath);
        Assert.Contains(path, ex.Message);
        Assert.Contains("does not exist", ex.Message);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task Connecting_to_a_stale_socket_file_reports_that_nobody_listens()
    {
        // What QEMU leaves behind when it is killed: the socket file, with nobody listening. .NET unlinks the path
        // it bound when the socket is disposed, so the file is moved away first.
        var bound = Path.Combine(_dir.FullName, "bound.sock");
        var path = Path.Combine(_dir.FullName, "stale.sock");
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, path);
        }

        Assert.True(Path.Exists(path));

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => QmpClient.ConnectAsync(path).Within());
        Assert.True(ex.Message.Contains("nobody is listening"), ex.Message);
        Assert.IsType<SocketException>(ex.InnerException);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task A_socket_path_too_long_for_sun_path_is_a_connect_error()
    {
        var path = Path.Combine(_dir.FullName, new string('d', 120), "qmp.sock");

        var ex = await Assert.ThrowsAsync<QmpConnectException>(() => QmpClient.ConnectAsync(path).Within());
        Assert.Contains("too long", ex.Message);
        Assert.False(ex.IsTransient);
    }
}
