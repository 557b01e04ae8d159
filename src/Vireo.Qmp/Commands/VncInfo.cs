using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>Result of <c>query-vnc</c> (QAPI <c>VncInfo</c>).</summary>
/// <param name="Enabled">True if the VNC server is enabled.</param>
/// <param name="Host">The address the server listens on.</param>
/// <param name="Family">Address family: <c>ipv4</c>, <c>ipv6</c>, <c>unix</c> or <c>unknown</c>.</param>
/// <param name="Service">The listening port (as a string, QEMU's "service").</param>
/// <param name="Auth">Authentication in use, e.g. <c>none</c>.</param>
/// <param name="Clients">Connected clients.</param>
public sealed record VncInfo(
    bool Enabled,
    string? Host = null,
    string? Family = null,
    string? Service = null,
    string? Auth = null,
    IReadOnlyList<VncClientInfo>? Clients = null)
{
    /// <summary>The TCP port when <see cref="Service"/> is numeric, else <c>null</c>.</summary>
    [JsonIgnore]
    public int? Port => int.TryParse(Service, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
}

/// <summary>A VNC server endpoint (QAPI <c>VncServerInfo</c>).</summary>
/// <param name="Host">Listening address.</param>
/// <param name="Service">Listening port, as a string.</param>
/// <param name="Family">Address family.</param>
/// <param name="Websocket">True for the WebSocket listener.</param>
/// <param name="Auth">Authentication method of the plain listener.</param>
public sealed record VncServerInfo(string Host, string Service, string Family, bool Websocket, string? Auth = null);

/// <summary>A VNC client connection (QAPI <c>VncClientInfo</c> / <c>VncBasicInfo</c>).</summary>
/// <param name="Host">Client address.</param>
/// <param name="Service">Client port, as a string.</param>
/// <param name="Family">Address family.</param>
/// <param name="Websocket">True if the client came through the WebSocket listener.</param>
/// <param name="X509Dname">The client certificate's distinguished name, with x509 authentication.</param>
/// <param name="SaslUsername">The SASL user name, with SASL authentication.</param>
public sealed record VncClientInfo(
    string Host,
    string Service,
    string Family,
    bool Websocket,
    [property: JsonPropertyName("x509_dname")] string? X509Dname = null,
    [property: JsonPropertyName("sasl_username")] string? SaslUsername = null);

/// <summary><c>query-vnc</c>: the VNC server's state.</summary>
public sealed record QueryVncCommand() : QmpCommand<VncInfo>("query-vnc")
{
    /// <inheritdoc />
    public override VncInfo ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.VncInfo);
}
