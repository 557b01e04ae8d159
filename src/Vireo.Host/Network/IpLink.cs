using System.Diagnostics;

namespace Vireo.Host.Network;

/// <summary>`ip link` operations the engine needs; always argv, never a shell string.</summary>
public static class IpLink
{
    /// <summary>Puts an interface into a bridge and brings it up.</summary>
    public static async Task AddToBridgeAsync(string ifname, string bridge, CancellationToken ct)
    {
        await RunAsync(ct, "link", "set", "dev", ifname, "master", bridge);
        await RunAsync(ct, "link", "set", "dev", ifname, "up");
    }

    private static async Task RunAsync(CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        // Process.Dispose leaves redirected streams open (their pipes last until a GC finalizes them): close them.
        using var output = process.StandardOutput;
        using var errors = process.StandardError;
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new IOException($"ip {string.Join(' ', args)} failed: {(await error).Trim()}");
    }
}
