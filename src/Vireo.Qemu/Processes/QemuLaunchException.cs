namespace Vireo.Qemu;

/// <summary>QEMU failed to start; <see cref="Exception.Message"/> carries QEMU's own error text.</summary>
public sealed class QemuLaunchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public QemuLaunchException(string message, int? exitCode, string standardError, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
        StandardError = standardError;
    }

    /// <summary>Exit code of the launching QEMU process; null when it could not be started at all.</summary>
    public int? ExitCode { get; }

    /// <summary>Everything QEMU wrote to stderr.</summary>
    public string StandardError { get; }
}
