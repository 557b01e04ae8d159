using System.Diagnostics;

namespace Vireo.Cli.Tests;

/// <summary>
/// The Native AOT vireo users run, published once for the tests that use it (the class fixture of NativeAotTests):
/// `dotnet publish src/Vireo.Cli -r linux-x64 -p:PublishAot=true` into a temporary directory, with its own artifacts
/// path so that it shares no bin/obj folder with the build the other tests run. It takes a minute or two (measured:
/// <see cref="PublishTime"/> is written to the test output); a failed publish fails those tests with its log.
/// </summary>
public sealed class NativeAotBinary : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-aot-").FullName;

    public string Path => System.IO.Path.Combine(_dir, "out", "vireo");
    public TimeSpan PublishTime { get; private set; }
    public string? Failure { get; private set; }

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot(),
        };
        foreach (var arg in new[]
                 {
                     "publish", "src/Vireo.Cli", "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
                     "--artifacts-path", System.IO.Path.Combine(_dir, "artifacts"), "-o", System.IO.Path.Combine(_dir, "out"),
                     "-nologo", "-v", "quiet", "--disable-build-servers",
                 })
            start.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Failure = "dotnet publish did not finish within 15 minutes";
            return;
        }
        PublishTime = clock.Elapsed;
        if (process.ExitCode != 0 || !File.Exists(Path))
            Failure = $"dotnet publish exited {process.ExitCode}:\n{await stdout}\n{await stderr}";
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The checkout this test assembly was built from (the directory holding Vireo.slnx).</summary>
    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Vireo.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Vireo.slnx above {AppContext.BaseDirectory}");
    }
}
