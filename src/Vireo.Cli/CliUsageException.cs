namespace Vireo.Cli;

/// <summary>Invalid flags or input found by the CLI itself, before anything is sent (exit 2).</summary>
internal sealed class CliUsageException(string message) : Exception(message);
