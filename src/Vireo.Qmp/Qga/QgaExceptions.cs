namespace Vireo.Qmp.Qga;

/// <summary>Base of every error of the guest agent client.</summary>
public abstract class QgaException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The agent did not answer: its socket is missing or refused (no agent channel, QEMU gone), or no answer came
/// within the timeout (no agent running in the guest, the guest is stalled or still booting).
/// </summary>
public sealed class QgaNotAnsweringException(string message, Exception? inner = null) : QgaException(message, inner);

/// <summary>
/// The agent answered with something that is not a valid answer: malformed JSON, invalid UTF-8, an answer larger
/// than the limit, a flood of bytes, or an answer to another request. The connection is unusable afterwards.
/// </summary>
public sealed class QgaProtocolException(string message, Exception? inner = null) : QgaException(message, inner);

/// <summary>The agent answered the command with an error (for example, a command it does not support).</summary>
public sealed class QgaCommandException(string command, string errorClass, string description)
    : QgaException($"the guest agent refused {command}: {description}")
{
    /// <summary>The command that failed.</summary>
    public string Command { get; } = command;

    /// <summary>QAPI error class, for example <c>GenericError</c> or <c>CommandNotFound</c>.</summary>
    public string ErrorClass { get; } = errorClass;

    /// <summary>The agent's description (untrusted guest text, already length-capped).</summary>
    public string Description { get; } = description;
}
