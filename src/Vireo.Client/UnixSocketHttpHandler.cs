using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Vireo.Client;

/// <summary>
/// HTTP/1.1 to vireod's Unix socket, one connection per request, with blocking socket calls. SocketsHttpHandler
/// does the same job asynchronously, but its connection pool, socket event loop and thread-pool workers cost a
/// short-lived CLI ~15 ms of start-up per run (a Native AOT program making one request: 22 ms through
/// SocketsHttpHandler, 8 ms with a plain socket), which was a third of what `vireo vol convert` adds to qemu-img.
/// A request blocks the calling thread until the answer's headers are in; cancelling closes the socket, which ends
/// the wait at once. Bodies are read as the caller reads them (logs --follow, NDJSON progress), and a 101 answer
/// hands over the connection itself for a WebSocket.
/// </summary>
internal sealed partial class UnixSocketHttpHandler(string socketPath) : HttpMessageHandler
{
    /// <summary>The most header bytes an answer may have; vireod's are well under 1 KiB.</summary>
    private const int MaxHeaderBytes = 64 * 1024;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return Task.FromResult(Send(request, ct));
        }
        catch (Exception e)
        {
            return Task.FromException<HttpResponseMessage>(e);
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ct.ThrowIfCancellationRequested();
        // A streamed body (a volume upload: StreamContent) is sent as it is read, never held in memory.
        var streamed = request.Content is StreamContent;
        var body = streamed ? null : request.Content?.ReadAsByteArrayAsync(ct).GetAwaiter().GetResult();
        UnixStreamSocket socket;
        try
        {
            socket = UnixStreamSocket.Connect(socketPath);
        }
        catch (SocketException e)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, e.Message, e);
        }
        var connection = new Connection(socket) { RequestAborted = ct };
        // Shutting the socket down is the only way to end a blocking call early; the registration goes with the body.
        var registration = ct.Register(static state => ((Connection)state!).Abort(), connection);
        try
        {
            var upgrade = request.Headers.Upgrade.Count > 0;
            if (streamed)
                WriteStreamed(socket, request, upgrade, ct);
            else
                Write(socket, Head(request, body?.Length, upgrade), body);
            var response = ReadHead(connection, request);
            response.Content = BodyOf(response, connection, request, registration);
            return response;
        }
        catch (Exception e)
        {
            registration.Dispose();
            connection.Dispose();
            if (ct.IsCancellationRequested)
                throw new TaskCanceledException("the request to vireod was cancelled", e, ct);
            if (e is SocketException or ObjectDisposedException or IOException)
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "vireod closed the connection before answering", e);
            throw;
        }
    }

    /// <summary>
    /// Sends the head, then the body as it is read: with its Content-Length when known, else chunked. vireod may answer
    /// (a refusal) before it has read the whole body and close; the answer is then still read, not the failed send.
    /// </summary>
    private static void WriteStreamed(UnixStreamSocket socket, HttpRequestMessage request, bool upgrade, CancellationToken ct)
    {
        var content = request.Content!;
        var length = content.Headers.ContentLength;
        var head = Encoding.ASCII.GetString(Head(request, length, upgrade));
        var chunked = length is null;
        if (chunked)
            head = head.Replace("Content-Length: 0\r\n", "", StringComparison.Ordinal)[..^2] + "Transfer-Encoding: chunked\r\n\r\n";
        try
        {
            socket.SendAll(Encoding.ASCII.GetBytes(head));
            using var source = content.ReadAsStream(ct);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = source.Read(buffer)) > 0)
            {
                ct.ThrowIfCancellationRequested();
                if (chunked)
                    socket.SendAll(Encoding.ASCII.GetBytes(n.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n"));
                socket.SendAll(buffer.AsSpan(0, n));
                if (chunked)
                    socket.SendAll("\r\n"u8);
            }
            if (chunked)
                socket.SendAll("0\r\n\r\n"u8);
        }
        catch (SocketException) when (!ct.IsCancellationRequested)
        {
            // Broken pipe: vireod stopped reading. Its answer (if any) is read next; none is "closed before answering".
        }
    }

    private static byte[] Head(HttpRequestMessage request, int? bodyLength, bool upgrade) => Head(request, (long?)bodyLength, upgrade);

    private static byte[] Head(HttpRequestMessage request, long? bodyLength, bool upgrade)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("the request has no URI");
        var text = new StringBuilder();
        text.Append(request.Method.Method).Append(' ').Append(uri.IsAbsoluteUri ? uri.PathAndQuery : uri.OriginalString).Append(" HTTP/1.1\r\n");
        text.Append("Host: localhost\r\n");
        if (!upgrade)
            text.Append("Connection: close\r\n");
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                continue;
            text.Append(name).Append(": ").Append(string.Join(", ", values)).Append("\r\n");
        }
        if (request.Content is { } content)
        {
            foreach (var (name, values) in content.Headers)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    text.Append(name).Append(": ").Append(string.Join(", ", values)).Append("\r\n");
            }
        }
        if (bodyLength is { } length)
            text.Append("Content-Length: ").Append(length).Append("\r\n");
        else if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
            text.Append("Content-Length: 0\r\n");
        text.Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static void Write(UnixStreamSocket socket, byte[] head, byte[]? body)
    {
        socket.SendAll(head);
        if (body is { Length: > 0 })
            socket.SendAll(body);
    }

    /// <summary>Reads the status line and headers; bytes read past them stay buffered in the connection.</summary>
    private static HttpResponseMessage ReadHead(Connection connection, HttpRequestMessage request)
    {
        var lines = connection.ReadHeaderLines(MaxHeaderBytes);
        if (lines.Count == 0)
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "vireod closed the connection before answering");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out var code))
            throw new HttpRequestException(HttpRequestError.InvalidResponse, $"vireod answered with a malformed status line: {lines[0]}");
        var response = new HttpResponseMessage((HttpStatusCode)code)
        {
            ReasonPhrase = status.Length > 2 ? status[2] : null,
            RequestMessage = request,
            Version = HttpVersion.Version11,
            Content = new ByteArrayContent([]),
        };
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                throw new HttpRequestException(HttpRequestError.InvalidResponse, $"vireod answered with a malformed header: {line}");
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (!response.Headers.TryAddWithoutValidation(name, value))
                response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        return response;
    }

    private static HttpContent BodyOf(HttpResponseMessage response, Connection connection, HttpRequestMessage request, CancellationTokenRegistration registration)
    {
        var headers = response.Content.Headers;
        Stream body;
        if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
            body = connection;
        else if (request.Method == HttpMethod.Head || response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified)
            body = new FramedBody(connection, 0, chunked: false);
        else if (response.Headers.TransferEncodingChunked == true)
            body = new FramedBody(connection, null, chunked: true);
        else if (headers.ContentLength is { } length)
            body = new FramedBody(connection, length, chunked: false);
        else
            body = new FramedBody(connection, null, chunked: false);
        var content = new BodyContent(body, registration);
        foreach (var (name, values) in headers)
            content.Headers.TryAddWithoutValidation(name, values);
        return content;
    }

    /// <summary>
    /// A response body. Buffering it (what HttpClient does unless asked for headers only) copies with blocking reads,
    /// so a plain request never wakes the thread pool; a caller that streams it gets the stream itself.
    /// </summary>
    private sealed class BodyContent(Stream body, CancellationTokenRegistration registration) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            SerializeToStream(stream, context, CancellationToken.None);
            return Task.CompletedTask;
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken ct) =>
            body.CopyTo(stream);

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(body);

        protected override Stream CreateContentReadStream(CancellationToken ct) => body;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                registration.Dispose();
                body.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
