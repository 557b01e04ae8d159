using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Integration.Tests.Support;

/// <summary>Helpers of the storage tests: image files with data, "nothing changed" snapshots, a CLI we can signal.</summary>
internal static class StorageKit
{
    public const long MiB = 1 << 20;

    public static string DefaultPool(VireoHarness h) => Path.Combine(h.StateDir, "pools", "default");

    /// <summary>A sparse raw file of <paramref name="size"/> bytes whose first <paramref name="random"/> bytes are random.</summary>
    public static async Task WriteRawAsync(string path, long size, long random)
    {
        await using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        f.SetLength(size);
        var buffer = new byte[MiB];
        for (long done = 0; done < random; done += MiB)
        {
            Random.Shared.NextBytes(buffer);
            await f.WriteAsync(buffer);
        }
    }

    public static async Task<List<VolumeInfo>> VolumesAsync(VireoHarness h) =>
        JsonSerializer.Deserialize((await h.VireoOk("vol", "list", "-o", "json")).Stdout, VireoJsonContext.Default.ListVolumeInfo)!;

    /// <summary>Every file in every pool directory, and the volume list as JSON: equal before and after = nothing changed.</summary>
    public static async Task<string> SnapshotAsync(VireoHarness h)
    {
        var sb = new StringBuilder();
        foreach (var pool in JsonSerializer.Deserialize((await h.VireoOk("pool", "list", "-o", "json")).Stdout, VireoJsonContext.Default.ListPoolInfo)!)
        {
            sb.AppendLine($"pool {pool.Name} {pool.Path}");
            foreach (var entry in Directory.EnumerateFileSystemEntries(pool.Path).Order(StringComparer.Ordinal))
                sb.AppendLine($"  {Path.GetFileName(entry)} {(File.Exists(entry) ? new FileInfo(entry).Length : -1)}");
        }
        sb.AppendLine((await h.VireoOk("vol", "list", "-o", "json")).Stdout);
        return sb.ToString();
    }

    /// <summary>Starts the CLI without waiting, so that the test can read its stderr as it comes and signal it.</summary>
    public static Process StartCli(VireoHarness h, params string[] args)
    {
        // Through env --default-signal=INT: a test run started in the background of a non-interactive shell (as
        // `cmd &` in a script) passes SIGINT on as ignored, the CLI rightly keeps ignoring it, and the Ctrl-C test
        // failed there. env execs dotnet, so the process keeps the PID the tests signal.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--default-signal=INT", "dotnet", Repo.CliDll }.Concat(args))
            start.ArgumentList.Add(arg);
        start.Environment["VIREO_SOCKET"] = h.Socket;
        start.Environment["NO_COLOR"] = "1";
        return Process.Start(start)!;
    }
}
