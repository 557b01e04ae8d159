namespace Vireo.Qmp.Qga;

/// <summary>
/// Settings of a <see cref="QgaClient"/>. The guest agent runs inside the guest, so everything it sends is
/// untrusted: every answer is size-capped and every call has a timeout.
/// </summary>
public sealed record QgaClientOptions
{
    /// <summary>Default options: 3 s to connect and sync, 10 s per command, 1 MiB per answer.</summary>
    public static QgaClientOptions Default { get; } = new();

    /// <summary>How long connecting and the <c>guest-sync-delimited</c> handshake may take (default 3 s).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long one command may wait for its answer (default 10 s). A call can pass its own.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest answer (one line of JSON) accepted from the agent, in bytes (default 1 MiB).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Largest answer to <c>guest-exec-status</c> (default 8 MiB): it carries the command's output, base64-encoded.
    /// </summary>
    public int MaxExecStatusBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Most bytes of stale output discarded while looking for the sync sentinel (default 1 MiB): answers to
    /// commands of an earlier client that gave up, or noise. More than this is a flood: a protocol error.
    /// </summary>
    public int MaxDiscardBytes { get; init; } = 1024 * 1024;

    /// <summary>Receives every message sent and received, and connection notes. Must be fast and must not throw.</summary>
    public Action<string>? Trace { get; init; }
}
