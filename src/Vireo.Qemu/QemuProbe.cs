using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Vireo.Qemu;

/// <summary>What one QEMU binary is and can do.</summary>
public sealed record QemuCapabilities
{
    /// <summary>Emulator path.</summary>
    public required string Path { get; init; }
    /// <summary>Version, e.g. 7.2.22.</summary>
    public required Version Version { get; init; }
    /// <summary>The first line of --version, e.g. <c>QEMU emulator version 7.2.22 (Debian ...)</c>.</summary>
    public required string VersionText { get; init; }
    /// <summary>Machine types and aliases (<c>q35</c>, <c>pc-q35-7.2</c>, ...).</summary>
    public IReadOnlySet<string> Machines { get; init; } = new HashSet<string>();
    /// <summary>The default machine type, if marked.</summary>
    public string? DefaultMachine { get; init; }
    /// <summary>Accelerators compiled in (<c>kvm</c>, <c>tcg</c>).</summary>
    public IReadOnlySet<string> Accelerators { get; init; } = new HashSet<string>();

    /// <summary>QEMU 6.2 is the first to take JSON for -device, which the argv builder relies on.</summary>
    public static readonly Version Minimum = new(6, 2);
}

/// <summary>
/// Probes a QEMU binary once (version, machine types, accelerators) and caches the answer per path and
/// modification time, so an upgraded QEMU is probed again.
/// </summary>
public static partial class QemuProbe
{
    private static readonly ConcurrentDictionary<(string, DateTime), Task<QemuCapabilities>> Cache = new();

    /// <summary>Probes <paramref name="emulator"/>, or returns the cached result.</summary>
    public static Task<QemuCapabilities> ProbeAsync(string emulator, CancellationToken ct = default)
    {
        var key = (emulator, File.GetLastWriteTimeUtc(emulator));
        var task = Cache.GetOrAdd(key, k => RunProbeAsync(k.Item1));
        if (task.IsFaulted)
            Cache.TryRemove(key, out _);
        return task.WaitAsync(ct);
    }

    private static async Task<QemuCapabilities> RunProbeAsync(string emulator)
    {
        var version = await RunAsync(emulator, "--version");
        var machines = await RunAsync(emulator, "-machine", "help");
        var accels = await RunAsync(emulator, "-accel", "help");
        var (names, defaultMachine) = ParseMachines(machines);
        return new QemuCapabilities
        {
            Path = emulator,
            Version = ParseVersion(version),
            VersionText = version.Split('\n')[0].Trim(),
            Machines = names,
            DefaultMachine = defaultMachine,
            Accelerators = ParseAccelerators(accels),
        };
    }

    /// <summary>Parses the output of <c>--version</c>.</summary>
    public static Version ParseVersion(string text)
    {
        var match = VersionPattern().Match(text);
        if (!match.Success)
            throw new FormatException($"unrecognised QEMU version output: {text.Split('\n')[0]}");
        return new Version(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
            match.Groups[3].Success ? int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>Parses the output of <c>-machine help</c>: names, aliases, and the one marked (default).</summary>
    public static (IReadOnlySet<string> Names, string? Default) ParseMachines(string text)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? defaultMachine = null;
        foreach (var line in text.Split('\n').Skip(1))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
                continue;
            var name = trimmed.Split(' ', 2)[0];
            names.Add(name);
            var alias = AliasPattern().Match(trimmed);
            if (alias.Success)
                names.Add(alias.Groups[1].Value);
            if (trimmed.Contains("(default)", StringComparison.Ordinal))
                defaultMachine = name;
        }
        return (names, defaultMachine);
    }

    /// <summary>Parses the output of <c>-accel help</c>.</summary>
    public static IReadOnlySet<string> ParseAccelerators(string text) =>
        text.Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);

    private static async Task<string> RunAsync(string emulator, params string[] args)
    {
        var start = new ProcessStartInfo(emulator) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{emulator} {string.Join(' ', args)} failed: {error.Trim()}");
        return output;
    }

    [GeneratedRegex(@"version (\d+)\.(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"\(alias of ([^)]+)\)")]
    private static partial Regex AliasPattern();
}
