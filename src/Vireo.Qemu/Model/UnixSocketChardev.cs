namespace Vireo.Qemu.Model;

/// <summary>
/// A character device that QEMU serves on a Unix socket (<c>server=on,wait=off</c>: QEMU listens and does not
/// wait for a client), optionally logging everything the guest writes to a file.
/// </summary>
/// <param name="Id">Chardev id that devices refer to.</param>
/// <param name="SocketPath">Absolute path of the socket (at most 107 bytes).</param>
public sealed record UnixSocketChardev(string Id, string SocketPath)
{
    /// <summary>
    /// Absolute path of a log file QEMU appends all guest output to, whether or not a client is attached.
    /// </summary>
    public string? LogFilePath { get; init; }
}
