namespace Vireo.Daemon;

/// <summary>
/// What the API needs to know about remote access: the auth service, and the TCP listener's addresses and
/// certificate fingerprint once it is up (for GET /v1/host). One per daemon (a DI singleton).
/// </summary>
internal sealed class RemoteAccess
{
    public AuthService? Auth { get; set; }
    public string? TlsFingerprint { get; set; }
    public IReadOnlyList<string> Listen { get; set; } = [];
}
