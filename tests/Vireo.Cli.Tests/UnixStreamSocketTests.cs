using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Vireo.Client;

namespace Vireo.Cli.Tests;

/// <summary>The CLI's libc socket: the errors .NET's own socket would give, and the ways a blocked call is ended.</summary>
public sealed class UnixStreamSocketTests : IDisposable
{
    private readonly string _dir = Path.Combine("/tmp", "vireo-us-" + Guid.NewGuid().ToString("N")[..10]);

    public UnixStreamSocketTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Our socket connected to a .NET listener, and the socket the listener accepted.</summary>
    private sealed record Pair(UnixStreamSocket Ours, Socket Peer, Socket Listener) : IDisposable
    {
        public void Dispose()
        {
            Ours.Dispose();
            Peer.Dispose();
            Listener.Dispose();
        }
    }

    private async Task<Pair> PairAsync(string name)
    {
        var listener = Listen(Path.Combine(_dir, name));
        var accepted = listener.AcceptAsync();
        var ours = UnixStreamSocket.Connect(Path.Combine(_dir, name));
        return new Pair(ours, await accepted, listener);
    }

    private Socket Listen(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        return listener;
    }

    [Fact]
    public void A_missing_socket_file_is_AddressNotAvailable_as_with_a_dotnet_socket()
    {
        var e = Assert.Throws<SocketException>(() => UnixStreamSocket.Connect(Path.Combine(_dir, "none.sock")));
        Assert.Equal(SocketError.AddressNotAvailable, e.SocketErrorCode);
    }

    [Fact]
    public void A_socket_file_nobody_listens_on_is_ConnectionRefused()
    {
        // A socket file left by a daemon that was killed. .NET removes the file of a socket it bound when that socket
        // is disposed, so the file is moved away first.
        var path = Path.Combine(_dir, "stale.sock");
        var bound = Path.Combine(_dir, "bound.sock");
        using (Listen(bound))
            File.Move(bound, path);
        var e = Assert.Throws<SocketException>(() => UnixStreamSocket.Connect(path));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public void A_path_longer_than_sun_path_is_refused_before_any_call()
    {
        var e = Assert.Throws<SocketException>(() => UnixStreamSocket.Connect("/tmp/" + new string('x', 120)));
        Assert.Equal(SocketError.InvalidArgument, e.SocketErrorCode);
        Assert.Contains("at most 107", e.Message);
    }

    [Fact]
    public async Task Bytes_go_both_ways_and_the_end_of_the_stream_reads_as_zero()
    {
        using var pair = await PairAsync("echo.sock");
        var (socket, peer) = (pair.Ours, pair.Peer);

        socket.SendAll("ping"u8);
        var got = new byte[16];
        var n = await peer.ReceiveAsync(got, SocketFlags.None);
        Assert.Equal("ping", Encoding.ASCII.GetString(got, 0, n));
        await peer.SendAsync("pong"u8.ToArray(), SocketFlags.None);
        n = socket.Receive(got);
        Assert.Equal("pong", Encoding.ASCII.GetString(got, 0, n));
        peer.Shutdown(SocketShutdown.Both);
        Assert.Equal(0, socket.Receive(got));
    }

    [Fact]
    public async Task Shutdown_from_another_thread_ends_a_blocked_receive_at_once()
    {
        using var pair = await PairAsync("quiet.sock");
        var socket = pair.Ours;

        var clock = Stopwatch.StartNew();
        var blocked = Task.Run(() => socket.Receive(new byte[16]));
        await Task.Delay(200);
        Assert.False(blocked.IsCompleted);
        socket.Shutdown();
        Assert.Equal(0, await blocked.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Cancelling_an_asynchronous_receive_throws_OperationCanceled_not_end_of_stream()
    {
        using var pair = await PairAsync("cancel.sock");
        var socket = pair.Ours;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => socket.ReceiveAsync(new byte[16], cts.Token).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Sending_to_a_peer_that_went_away_is_an_error_not_a_SIGPIPE()
    {
        var path = Path.Combine(_dir, "gone.sock");
        using var listener = Listen(path);
        var accepted = listener.AcceptAsync();
        using var socket = UnixStreamSocket.Connect(path);
        (await accepted).Dispose();

        var e = Assert.Throws<SocketException>(() =>
        {
            for (var i = 0; i < 100; i++)
                socket.SendAll(new byte[64 * 1024]);
        });
        Assert.Contains(e.SocketErrorCode, new[] { SocketError.Shutdown, SocketError.ConnectionReset });
    }
}
