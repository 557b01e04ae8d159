using Vireo.Host.Os;

namespace Vireo.Host.Network;

/// <summary>Turns a failed tool run into an exception that carries the tool's own words.</summary>
internal static class ToolFailure
{
    public static InvalidOperationException Of(string tool, IReadOnlyList<string> args, CommandResult r)
    {
        var message = r.StartError ?? r.Stderr.Trim();
        if (message.Length == 0) message = $"exit status {r.ExitCode}";
        return new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {message}");
    }
}
