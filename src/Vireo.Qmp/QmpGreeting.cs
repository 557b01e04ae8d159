namespace Vireo.Qmp;

/// <summary>QEMU's version triple as reported by the greeting and by <c>query-version</c>.</summary>
/// <param name="Major">Major version, e.g. 7.</param>
/// <param name="Minor">Minor version, e.g. 2.</param>
/// <param name="Micro">Micro version, e.g. 22.</param>
public sealed record QemuVersionTriple(int Major, int Minor, int Micro)
{
    /// <summary>The version as <see cref="System.Version"/>, for comparisons.</summary>
    public Version ToVersion() => new(Major, Minor, Micro);

    /// <summary>The version as <c>major.minor.micro</c>.</summary>
    public override string ToString() => $"{Major}.{Minor}.{Micro}";
}

/// <summary>QEMU's version: the upstream triple and the distributor's package string.</summary>
/// <param name="Qemu">The upstream version.</param>
/// <param name="Package">The distributor's package string, e.g. <c>Debian 1:7.2+dfsg-7+deb12u18+b3</c>; may be empty.</param>
public sealed record QemuVersionInfo(QemuVersionTriple Qemu, string Package);

/// <summary>The greeting QEMU sends when a client connects: <c>{"QMP": {"version": ..., "capabilities": [...]}}</c>.</summary>
/// <param name="Version">QEMU's version.</param>
/// <param name="Capabilities">Capabilities QEMU offers (e.g. <c>oob</c>). The client enables none of them.</param>
public sealed record QmpGreeting(QemuVersionInfo Version, IReadOnlyList<string> Capabilities);
