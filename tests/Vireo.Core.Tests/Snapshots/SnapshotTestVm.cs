using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Snapshots;

/// <summary>
/// A real engine over a temporary state directory with one stopped VM whose disks are qcow2 overlays on a raw
/// base image; snapshots go through the engine (qemu-img underneath), data is written with real qemu-io.
/// No VM is ever started: the "kernel" and "initrd" are empty files the planner only checks exist.
/// </summary>
internal sealed class SnapshotTestVm : IAsyncDisposable
{
    public const string Name = "snapvm";
    private const int Clusters = 8;

    private SnapshotTestVm(string dir, VmEngine engine, IReadOnlyList<string> disks, string basePath, string baseHash)
    {
        Dir = dir;
        Engine = engine;
        Disks = disks;
        BasePath = basePath;
        BaseHash = baseHash;
    }

    public string Dir { get; }
    public VmEngine Engine { get; }
    public IReadOnlyList<string> Disks { get; }
    public string BasePath { get; }
    public string BaseHash { get; }

    public static async Task<SnapshotTestVm> CreateAsync(int diskCount = 1, string format = "qcow2")
    {
        // Short: the engine refuses state directories whose socket paths would not fit in sockaddr_un.
        var dir = Directory.CreateTempSubdirectory("vsn-").FullName;
        try
        {
            var basePath = Path.Combine(dir, "base.raw");
            await RunAsync("qemu-img", "create", "-q", "-f", "raw", basePath, $"{Clusters * 64}K");
            await RunAsync("qemu-io", "-f", "raw", "-c", $"write -P 0xbb 0 {Clusters * 64}k", basePath);
            var disks = new List<string>();
            for (var i = 0; i < diskCount; i++)
            {
                var disk = Path.Combine(dir, $"disk{i}.{format}");
                if (format == "qcow2")
                    await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", basePath, "-F", "raw", disk);
                else
                    await RunAsync("qemu-img", "create", "-q", "-f", "raw", disk, "1M");
                disks.Add(disk);
            }
            File.WriteAllBytes(Path.Combine(dir, "kernel"), []);
            File.WriteAllBytes(Path.Combine(dir, "initrd"), []);
            var engine = await VmEngine.OpenAsync(new EngineOptions
            {
                StateDir = Path.Combine(dir, "state"),
                ImageDir = Path.Combine(dir, "images"),
                Autostart = false,
                CreateDefaultNetwork = false,
            }, NullLogger.Instance, CancellationToken.None);
            var yaml = $"""
                name: {Name}
                memory: 128
                boot:
                  kernel: {dir}/kernel
                  initrd: {dir}/initrd
                disks:
                {string.Concat(disks.Select(d => $"  - path: {d}\n    format: {format}\n"))}
                """;
            await engine.DefineAsync(yaml, CancellationToken.None);
            return new SnapshotTestVm(dir, engine, disks, basePath, Hash(basePath));
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    public Task<SnapshotInfo> CreateAsync(string snap, SnapshotKind? kind = null) =>
        Engine.CreateSnapshotAsync(Name, new SnapshotCreateRequest { Name = snap, Kind = kind }, CancellationToken.None);

    public Task<ActionResult> RevertAsync(string snap) =>
        Engine.RevertSnapshotAsync(Name, snap, new SnapshotRevertRequest(), CancellationToken.None);

    public Task<ActionResult> DeleteAsync(string snap) => Engine.DeleteSnapshotAsync(Name, snap, CancellationToken.None);

    public IReadOnlyList<SnapshotInfo> List() => Engine.ListSnapshots(Name);

    /// <summary>Writes <paramref name="pattern"/> into guest cluster <paramref name="cluster"/> of every disk (real qemu-io).</summary>
    public async Task WriteAsync(byte pattern, params int[] clusters)
    {
        foreach (var disk in Disks)
        {
            var args = new List<string> { "-f", "qcow2" };
            foreach (var c in clusters)
                args.AddRange(["-c", $"write -P 0x{pattern:x2} {c * 64}k 64k"]);
            args.Add(disk);
            await RunAsync("qemu-io", [.. args]);
        }
    }

    /// <summary>qemu-img check finds no corruption and no leak on every disk.</summary>
    public async Task AssertCleanAsync(string context)
    {
        foreach (var disk in Disks)
        {
            var r = await ExecAsync("qemu-img", "check", "-f", "qcow2", disk);
            Assert.True(r.ExitCode == 0, $"{context}: qemu-img check {disk} exit {r.ExitCode}: {r.Output}");
        }
    }

    public static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    public static async Task RunAsync(string program, params string[] args)
    {
        var r = await ExecAsync(program, args);
        if (r.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({r.ExitCode}): {r.Output}");
    }

    public static async Task<(int ExitCode, string Output)> ExecAsync(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
