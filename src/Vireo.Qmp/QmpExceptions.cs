namespace Vireo.Qmp;

/// <summary>Base of every error the QMP client reports.</summary>
public abstract class QmpException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The monitor socket could not be reached (missing, refused, or the greeting never came).</summary>
public sealed class QmpConnectException(string endpoint, string message, Exception? inner = null)
    : QmpException($"cannot connect to the QEMU monitor at {endpoint}: {message}", inner)
{
    /// <summary>The socket path (or a description of the stream).</summary>
    public string Endpoint { get; } = endpoint;
}

/// <summary>QEMU answered a command with an error.</summary>
public sealed class QmpCommandException(string command, string errorClass, string description)
    : QmpException($"QEMU refused '{command}': {description}")
{
    /// <summary>The command that failed, e.g. <c>device_del</c>.</summary>
    public string Command { get; } = command;

    /// <summary>QMP's error class, e.g. <c>GenericError</c>, <c>CommandNotFound</c>, <c>DeviceNotFound</c>.</summary>
    public string ErrorClass { get; } = errorClass;

    /// <summary>QEMU's human-readable description.</summary>
    public string Description { get; } = description;
}

/// <summary>QEMU did not answer a command in time. The connection stays usable.</summary>
public sealed class QmpTimeoutException(string command, TimeSpan timeout)
    : QmpException($"QEMU did not answer '{command}' within {timeout.TotalSeconds:0.#} s")
{
    /// <summary>The command that timed out.</summary>
    public string Command { get; } = command;

    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; } = timeout;
}

/// <summary>The monitor connection is closed (QEMU exited, or the client was disposed).</summary>
public sealed class QmpDisconnectedException(string message, Exception? inner = null) : QmpException(message, inner);

/// <summary>The peer sent something that is not QMP.</summary>
public sealed class QmpProtocolException(string message, Exception? inner = null) : QmpException(message, inner);
