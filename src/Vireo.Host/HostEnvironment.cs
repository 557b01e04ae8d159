using System.Diagnostics;

namespace Vireo.Host;

/// <summary>
/// Where host facts are read from. Real hosts use <see cref="ForThisHost"/>; tests point the roots at fixture
/// trees. Opening /dev/kvm cannot be reproduced with a fixture file (a regular file is not the device), so that
/// one step is a delegate: fixtures say what opening would do, and a test on the real host covers the real call.
/// </summary>
public sealed record HostEnvironment
{
    public required string ProcRoot { get; init; }
    public required string SysRoot { get; init; }
    public required string DevRoot { get; init; }
    public required string StateDir { get; init; }
    /// <summary>PATH, colon-separated.</summary>
    public required string SearchPath { get; init; }
    /// <summary>Runs a program and returns (exit code, stdout, stderr); exit -1 when it cannot be run.</summary>
    public required Func<string, string[], (int Exit, string Out, string Err)> Run { get; init; }
    /// <summary>Opens a device read-write; null on success, else the error text.</summary>
    public required Func<string, string?> TryOpenReadWrite { get; init; }
    /// <summary>Free bytes on the file system holding a directory.</summary>
    public required Func<string, long?> FreeBytes { get; init; }
    /// <summary>QEMU binary override (VIREO_QEMU).</summary>
    public string? QemuOverride { get; init; }

    /// <summary>The real host.</summary>
    public static HostEnvironment ForThisHost(string stateDir) => new()
    {
        ProcRoot = "/proc",
        SysRoot = "/sys",
        DevRoot = "/dev",
        StateDir = stateDir,
        SearchPath = (Environment.GetEnvironmentVariable("PATH") ?? "") + ":/usr/sbin:/sbin:/usr/bin:/usr/libexec",
        Run = RunProgram,
        TryOpenReadWrite = TryOpen,
        FreeBytes = FreeSpace,
        QemuOverride = Environment.GetEnvironmentVariable("VIREO_QEMU"),
    };

    /// <summary>Finds an executable on <see cref="SearchPath"/>.</summary>
    public string? Which(string name) =>
        SearchPath.Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static (int, string, string) RunProgram(string file, string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(15_000))
            {
                process.Kill();
                return (-1, "", $"{file} did not finish within 15 s");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", e.Message);
        }
    }

    private static string? TryOpen(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    private static long? FreeSpace(string dir)
    {
        var existing = Path.GetFullPath(dir);
        while (!Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
                return null;
            existing = parent;
        }
        try
        {
            return new DriveInfo(existing).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
