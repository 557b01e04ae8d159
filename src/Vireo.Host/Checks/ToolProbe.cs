using Vireo.Host.Os;

namespace Vireo.Host.Checks;

/// <summary>Where a tool is and what its <c>--version</c> says.</summary>
internal sealed record ToolProbeResult(string? Path, string? NotFound, CommandResult? Run, ToolVersion? Version);

/// <summary>
/// The small QEMU/tool locator host checks use (kept internal on purpose: Vireo.Qemu owns the real capability
/// probe, and may replace this).
/// </summary>
internal static class ToolProbe
{
    /// <summary>
    /// Finds <paramref name="name"/>: only <paramref name="overridePath"/> when it is set (an explicit choice must
    /// not silently fall back), else PATH, the system directories, then <paramref name="extraPaths"/>; and runs
    /// it with <c>--version</c>.
    /// </summary>
    public static async Task<ToolProbeResult> ProbeAsync(HostEnvironment env, string name, string? overridePath,
        string? overrideVariable, IReadOnlyList<string> extraPaths, CancellationToken ct)
    {
        string? path;
        if (overridePath is not null)
        {
            if (!ExecutableLocator.IsExecutableFile(overridePath))
                return new ToolProbeResult(null, $"{overrideVariable}={overridePath} is not an executable file", null, null);
            path = overridePath;
        }
        else
        {
            path = ExecutableLocator.Find(env, name) ?? extraPaths.FirstOrDefault(ExecutableLocator.IsExecutableFile);
            if (path is null)
            {
                var places = extraPaths.Count > 0 ? $"PATH, {string.Join(", ", extraPaths)}" : "PATH";
                return new ToolProbeResult(null, $"{name} not found (searched {places} and the sbin/bin directories)", null, null);
            }
        }

        var run = await env.Commands.RunAsync(path, ["--version"], env.CommandTimeout, ct).ConfigureAwait(false);
        return new ToolProbeResult(path, null, run, run.Succeeded ? ToolVersion.Parse(run.Stdout) : null);
    }
}
