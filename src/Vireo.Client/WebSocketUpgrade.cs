using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Vireo.Client;

/// <summary>
/// The RFC 6455 opening handshake done through our own HttpClient. ClientWebSocket would also work over the
/// Unix-socket handler, but on a refused upgrade it only reports the status code; vireod's refusals (409 busy vs.
/// 409 invalid_state, 404) differ only in the ApiError body, which this keeps.
/// </summary>
internal static class WebSocketUpgrade
{
    private const string Rfc6455Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static async Task<WebSocket> ConnectAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            // Upgrade exists only in HTTP/1.1; SocketsHttpHandler hands back the raw connection on 101.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", key);

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        try
        {
            if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
                throw await ApiErrorReader.ReadAsync(response, ct).ConfigureAwait(false);

            string expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Rfc6455Guid)));
            if (!response.Headers.TryGetValues("Sec-WebSocket-Accept", out var accept) || accept.FirstOrDefault() != expected)
                throw new WebSocketException(WebSocketError.HeaderError, "vireod's WebSocket handshake had a wrong Sec-WebSocket-Accept");

            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
            {
                IsServer = false,
                // Keeps idle console sessions alive through anything that drops silent connections.
                KeepAliveInterval = TimeSpan.FromSeconds(30),
            });
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
