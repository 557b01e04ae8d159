using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vireo.Client;

namespace Vireo.Cli.Tests;

/// <summary>
/// The CLI's HTTP/1.1 transport against a FAKE server: a Unix socket that reads one request and answers with
/// scripted bytes, so that framing edge cases (odd chunk boundaries, a peer that hangs up mid-answer, an answer that
/// never comes) can be produced at will. The real vireod path is covered by the integration tests.
/// </summary>
public sealed class UnixSocketHttpHandlerTests : IDisposable
{
    private readonly string _dir = Path.Combine("/tmp", "vireo-h1-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly Socket _listener;

    public UnixSocketHttpHandlerTests()
    {
        Directory.CreateDirectory(_dir);
        SocketPath = Path.Combine(_dir, "s.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen();
    }

    private string SocketPath { get; }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Accepts one connection, reads the request head and body, then plays <paramref name="script"/>.</summary>
    private Task<string> ServeOnceAsync(Func<Socket, Task> script) => Task.Run(async () =>
    {
        using var peer = await _listener.AcceptAsync();
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n"))
        {
            var n = await peer.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0) break;
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var text = received.ToString();
        var lengthLine = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var bodyLength = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim());
        while (Encoding.ASCII.GetByteCount(text) - (text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4) < bodyLength)
        {
            var n = await peer.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0) break;
            text += Encoding.ASCII.GetString(buffer, 0, n);
        }
        await script(peer);
        return text;
    });

    private static async Task SendAsync(Socket peer, string text) => await peer.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    private HttpClient Client() => new(new UnixSocketHttpHandler(SocketPath)) { BaseAddress = new Uri("http://localhost/") };

    [Fact]
    public async Task A_chunked_answer_split_at_odd_places_is_put_back_together()
    {
        var served = ServeOnceAsync(async peer =>
        {
            foreach (var piece in new[] { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"", "\r\n6;ext=1\r\n:\"bcd", "\"\r\n1\r\n}\r\n0\r\n\r\n" })
            {
                await SendAsync(peer, piece);
                await Task.Delay(20);
            }
        });
        using var http = Client();
        var body = await http.GetStringAsync("v1/x");
        Assert.Equal("{\"a\":\"bcd\"}", body);
        var request = await served;
        Assert.StartsWith("GET /v1/x HTTP/1.1\r\n", request);
        Assert.Contains("Connection: close\r\n", request);
    }

    [Fact]
    public async Task A_post_sends_its_body_with_its_length_and_reads_a_content_length_answer_that_came_with_the_headers()
    {
        var served = ServeOnceAsync(peer => SendAsync(peer, "HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"));
        using var http = Client();
        using var response = await http.PostAsync("v1/ops", new StringContent("{\"k\":1}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        var request = await served;
        Assert.Contains("Content-Length: 7\r\n", request);
        Assert.EndsWith("\r\n\r\n{\"k\":1}", request);
    }

    [Fact]
    public async Task A_daemon_that_hangs_up_without_answering_is_reported_as_such()
    {
        var served = ServeOnceAsync(peer =>
        {
            peer.Shutdown(SocketShutdown.Both);
            return Task.CompletedTask;
        });
        using var client = new VireoClient(SocketPath);
        var e = await Assert.ThrowsAsync<VireoConnectionException>(() => client.ListVmsAsync());
        Assert.Contains("closed the connection before answering", e.Message);
        await served;
    }

    [Fact]
    public async Task An_answer_cut_short_of_its_content_length_is_an_error_not_a_short_body()
    {
        var served = ServeOnceAsync(async peer =>
        {
            await SendAsync(peer, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
            peer.Shutdown(SocketShutdown.Both);
        });
        using var http = Client();
        await Assert.ThrowsAnyAsync<Exception>(() => http.GetStringAsync("v1/x"));
        await served;
    }

    [Fact]
    public async Task Cancelling_a_request_that_gets_no_answer_ends_it_at_once()
    {
        var release = new TaskCompletionSource();
        var served = ServeOnceAsync(_ => release.Task);
        using var http = Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.GetAsync("v1/operations/x?wait_ms=30000", cts.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"cancellation took {clock.Elapsed}");
        release.SetResult();
        await served;
    }

    [Fact]
    public async Task Cancelling_while_a_streamed_body_waits_ends_the_read_as_cancelled()
    {
        var release = new TaskCompletionSource();
        var served = ServeOnceAsync(async peer =>
        {
            await SendAsync(peer, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
            await release.Task;
        });
        using var http = Client();
        using var cts = new CancellationTokenSource();
        using var response = await http.GetAsync("v1/vms/a/logs?follow=true", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[16];
        Assert.Equal(3, await stream.ReadAsync(buffer));
        // As `vireo logs -f` does: the reader's own token (HttpClient stops passing the request's on after the headers).
        var read = stream.ReadAsync(buffer, cts.Token).AsTask();
        await Task.Delay(100);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(5)));
        release.SetResult();
        await served;
    }

    [Fact]
    public async Task A_101_answer_hands_over_the_connection_both_ways()
    {
        var served = ServeOnceAsync(async peer =>
        {
            await SendAsync(peer, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nearly");
            var buffer = new byte[16];
            var n = await peer.ReceiveAsync(buffer, SocketFlags.None);
            await peer.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        });
        using var http = Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/vms/a/console");
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[5];
        await stream.ReadExactlyAsync(buffer);
        Assert.Equal("early", Encoding.ASCII.GetString(buffer));
        await stream.WriteAsync(Encoding.ASCII.GetBytes("ping"));
        var echo = new byte[4];
        await stream.ReadExactlyAsync(echo);
        Assert.Equal("ping", Encoding.ASCII.GetString(echo));
        var sent = await served;
        Assert.DoesNotContain("Connection: close", sent);
    }
}
