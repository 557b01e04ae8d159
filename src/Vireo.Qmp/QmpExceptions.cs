namespace Vireo.Qmp;

/// <summary>Base class of every error raised by the QMP client.</summary>
public abstract class QmpException : Exception
{
    /// <summary>Creates the exception with a message and an optional cause.</summary>
    /// <param name="message">What went wrong, in words an operator can act on.</param>
    /// <param name="innerException">The lower-level error that caused this one, if any.</param>
    protected QmpException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}

/// <summary>The monitor socket could not be reached, or QEMU did not complete the QMP handshake.</summary>
public sealed class QmpConnectException : QmpException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="socketPath">The Unix socket path that was tried, or <c>null</c> for a caller-supplied stream.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The socket or protocol error behind it, if any.</param>
    /// <param name="isTransient">Whether retrying may succeed (see <see cref="IsTransient"/>).</param>
    public QmpConnectException(string? socketPath, string message, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException)
    {
        SocketPath = socketPath;
        IsTransient = isTransient;
    }

    /// <summary>The Unix socket path that was tried, or <c>null</c> when connecting over a caller-supplied stream.</summary>
    public string? SocketPath { get; }

    /// <summary>
    /// True when the socket was missing or refused the connection. QEMU creates the socket file (bind) a moment
    /// before it listens, so right after launch both are normal: retry while the QEMU process is alive.
    /// </summary>
    public bool IsTransient { get; }
}

/// <summary>QEMU answered a command with an error object (<c>{"error": {"class": ..., "desc": ...}}</c>).</summary>
public sealed class QmpCommandException : QmpException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="commandName">The QMP command that was refused.</param>
    /// <param name="errorClass">QEMU's error class, e.g. <c>GenericError</c> (see <see cref="QmpErrorClass"/>).</param>
    /// <param name="description">QEMU's human-readable description.</param>
    public QmpCommandException(string commandName, string errorClass, string description)
        : base($"QEMU refused '{commandName}': {description}")
    {
        CommandName = commandName;
        ErrorClass = errorClass;
        Description = description;
    }

    /// <summary>The QMP command that was refused, e.g. <c>device_del</c>.</summary>
    public string CommandName { get; }

    /// <summary>QEMU's error class, e.g. <c>GenericError</c>, <c>CommandNotFound</c>, <c>DeviceNotFound</c>.</summary>
    public string ErrorClass { get; }

    /// <summary>QEMU's human-readable description of the error.</summary>
    public string Description { get; }
}

/// <summary>QEMU did not answer a command within its timeout. The connection stays usable.</summary>
public sealed class QmpTimeoutException : QmpException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="commandName">The command that got no answer.</param>
    /// <param name="timeout">How long the client waited.</param>
    public QmpTimeoutException(string commandName, TimeSpan timeout)
        : base($"QEMU did not answer '{commandName}' within {timeout.TotalSeconds:0.###} s")
    {
        CommandName = commandName;
        Timeout = timeout;
    }

    /// <summary>The command that got no answer.</summary>
    public string CommandName { get; }

    /// <summary>How long the client waited for the answer.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>The monitor connection closed (usually because QEMU exited) before a command was answered.</summary>
public sealed class QmpDisconnectedException : QmpException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="commandName">The command that was pending or attempted, or <c>null</c>.</param>
    /// <param name="commandWasSent">Whether the command had been written to the socket before the connection closed.</param>
    /// <param name="innerException">The I/O error that closed the connection, if any.</param>
    public QmpDisconnectedException(string? commandName, bool commandWasSent, Exception? innerException = null)
        : base(commandName is null
            ? "The QMP connection is closed (QEMU exited or closed its monitor)"
            : $"The QMP connection closed before '{commandName}' was answered (QEMU exited or closed its monitor)",
            innerException)
    {
        CommandName = commandName;
        CommandWasSent = commandWasSent;
    }

    /// <summary>The command that was pending or attempted, or <c>null</c>.</summary>
    public string? CommandName { get; }

    /// <summary>
    /// True when the command had been written to the socket before the connection closed, so QEMU may have acted on
    /// it (e.g. a <c>quit</c> or <c>system_powerdown</c> whose reply was lost when QEMU exited).
    /// </summary>
    public bool CommandWasSent { get; }
}

/// <summary>
/// The peer sent something that is not QMP: malformed JSON, an oversized message, a missing greeting, or a reply
/// whose shape does not match the command. Malformed JSON closes the connection, since the stream can no longer be
/// framed reliably.
/// </summary>
public sealed class QmpProtocolException : QmpException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the peer's output.</param>
    /// <param name="innerException">The parser error, if any.</param>
    public QmpProtocolException(string message, Exception? innerException = null) : base(message, innerException)
    {
    }
}

/// <summary>Error classes QEMU puts in <c>{"error": {"class": ...}}</c> (QAPI <c>QapiErrorClass</c>).</summary>
public static class QmpErrorClass
{
    /// <summary>Almost every error: QEMU only uses the other classes for a few legacy cases.</summary>
    public const string GenericError = "GenericError";

    /// <summary>The command does not exist in this QEMU.</summary>
    public const string CommandNotFound = "CommandNotFound";

    /// <summary>A device, job or other object named by the command is not active.</summary>
    public const string DeviceNotActive = "DeviceNotActive";

    /// <summary>No device (or netdev) with the given id exists.</summary>
    public const string DeviceNotFound = "DeviceNotFound";

    /// <summary>The KVM accelerator lacks a capability the command needs.</summary>
    public const string KvmMissingCap = "KVMMissingCap";
}
