using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Vireo.Package.Tests;

/// <summary>
/// Issue 19's package test: the .deb built by packaging/deb/build.sh is installed with apt in a fresh Debian 12 and a
/// fresh Debian 13 root (tests/package/run.sh: debootstrap roots cached in /var/cache/vireo/roots keyed on their
/// package lists, an overlay per run, a chroot with its own network namespace for vireod). In each root: apt resolves
/// the dependencies from the archive, no dotnet is present, vireod starts, vireo version and vireo host check answer,
/// the tiny VM boots to VIREO-GUEST-READY and keeps running (same QEMU process) across an upgrade, apt remove keeps
/// /var/lib/vireo and apt purge removes it. The package is built once for both roots (PackageFixture).
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageInstallTests(PackageFixture package, ITestOutputHelper output) : IClassFixture<PackageFixture>
{
    // One line per check in run.sh; every one of them must pass.
    private const int ChecksPerRoot = 8;

    [Fact]
    public Task Debian_12_bookworm_installs_runs_a_VM_upgrades_and_purges() => RunRoot("bookworm");

    [Fact]
    public Task Debian_13_trixie_with_QEMU_10_installs_runs_a_VM_upgrades_and_purges() => RunRoot("trixie");

    private async Task RunRoot(string suite)
    {
        var (exit, text) = await Script.RunAsync(TimeSpan.FromMinutes(25), "bash", Path.Combine(Script.Repo, "tests/package/run.sh"),
            "--deb", package.Deb, "--suites", suite);
        output.WriteLine(text);
        var fails = text.Split('\n').Where(l => l.StartsWith("FAIL ", StringComparison.Ordinal)).ToList();
        Assert.True(fails.Count == 0, string.Join("\n", fails));
        Assert.Equal(ChecksPerRoot, text.Split('\n').Count(l => l.StartsWith($"PASS {suite}: ", StringComparison.Ordinal)));
        Assert.Equal(0, exit);
    }
}

/// <summary>Builds the package once (bash packaging/deb/build.sh), or takes VIREO_PACKAGE_DEB when it names one.</summary>
public sealed class PackageFixture : IAsyncLifetime
{
    public string Deb { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("VIREO_PACKAGE_DEB") is { Length: > 0 } given)
        {
            Assert.True(File.Exists(given), $"VIREO_PACKAGE_DEB names {given}, which does not exist");
            Deb = given;
            return;
        }
        var build = Path.Combine(Script.Repo, "packaging/deb/build.sh");
        Assert.True(File.Exists(build), $"{build} is missing: the package test needs the package build (issue 19, part 1)");
        var (exit, text) = await Script.RunAsync(TimeSpan.FromMinutes(20), "bash", build);
        Assert.True(exit == 0, $"packaging/deb/build.sh failed (exit {exit}):\n{Tail(text, 30)}");
        // build.sh prints the .deb's path last.
        Deb = text.TrimEnd().Split('\n')[^1].Trim();
        Assert.True(Deb.EndsWith(".deb", StringComparison.Ordinal) && File.Exists(Deb), $"build.sh printed no .deb path last:\n{Tail(text, 10)}");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Tail(string text, int lines) => string.Join("\n", text.TrimEnd().Split('\n').TakeLast(lines));
}

internal static class Script
{
    public static string Repo { get; } = FindRepo();

    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vireo.slnx")))
                return dir.FullName;
        throw new InvalidOperationException("the repository (Vireo.slnx) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command with stdout and stderr together; kills its process tree when it runs past the limit.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(TimeSpan limit, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repo };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var text = new StringBuilder();
        var gate = new Lock();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) text.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // run.sh's EXIT trap removes its namespaces and mounts when it is terminated (SIGTERM), so ask first.
            Process.Start("kill", ["-TERM", process.Id.ToString()])?.WaitForExit();
            if (!process.WaitForExit(60_000)) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (gate) text.AppendLine($"(killed after {limit.TotalMinutes} min)");
            return (124, text.ToString());
        }
        process.WaitForExit();
        lock (gate) return (process.ExitCode, text.ToString());
    }
}
