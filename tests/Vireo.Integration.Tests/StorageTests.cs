using System.Text.Json;
using Vireo.Contracts;
using Vireo.Integration.Tests.Support;
using Vireo.Qemu;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>Pools and volumes through the real CLI and a real vireod with real qemu-img.</summary>
public sealed class StorageTests(ITestOutputHelper output)
{
    private const long MiB = StorageKit.MiB;

    [Fact]
    public async Task Volumes_go_through_create_list_info_resize_clone_convert_import_and_delete()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var pools = (await h.VireoOk("pool", "list")).Stdout;
        Assert.Contains("default", pools);
        Assert.Contains(StorageKit.DefaultPool(h), pools);

        await h.VireoOk("vol", "create", "default/a.qcow2", "--size", "64M");
        await h.VireoOk("vol", "create", "default/b.raw", "--size", "32MiB", "--format", "raw", "--prealloc", "full");
        var info = JsonSerializer.Deserialize((await h.VireoOk("vol", "info", "default/b.raw", "-o", "json")).Stdout, VireoJsonContext.Default.VolumeInfo)!;
        Assert.Equal(("raw", 32 * MiB, "full"), (info.Format, info.VirtualSizeBytes!.Value, info.Preallocation!));
        Assert.True(info.ActualSizeBytes >= 32 * MiB);

        var resized = await h.VireoOk("vol", "resize", "default/a.qcow2", "+64M");
        Assert.Contains("128 MiB", resized.Stdout);
        await h.VireoOk("vol", "clone", "default/a.qcow2", "default/a2.qcow2");
        var converted = await h.VireoOk("vol", "convert", "default/a2.qcow2", "default/a2.raw", "--format", "raw");
        Assert.Contains("Volume default/a2.raw created (raw, 128 MiB)", converted.Stdout);

        var source = Path.Combine(h.StateDir, "outside.raw");
        await StorageKit.WriteRawAsync(source, 8 * MiB, 2 * MiB);
        await h.VireoOk("vol", "import", "default/imported.qcow2", "--from", source, "--source-format", "raw", "--format", "qcow2");
        await h.VireoOk("vol", "convert", "default/imported.qcow2", "default/roundtrip.raw", "--format", "raw");
        Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(Path.Combine(StorageKit.DefaultPool(h), "roundtrip.raw")));

        var list = await StorageKit.VolumesAsync(h);
        Assert.Equal(["default/a.qcow2", "default/a2.qcow2", "default/a2.raw", "default/b.raw", "default/imported.qcow2", "default/roundtrip.raw"], list.Select(v => v.Volume));
        var table = (await h.VireoOk("vol", "list", "default")).Stdout;
        Assert.Matches(@"default/imported\.qcow2 +qcow2", table);

        foreach (var v in list)
            await h.VireoOk("vol", "delete", v.Volume);
        Assert.Empty(Directory.GetFileSystemEntries(StorageKit.DefaultPool(h)));
        Assert.True(File.Exists(source), "import leaves its source alone");

        // Outside the state directory, where pools other than STATE_DIR/pools/NAME are refused.
        var dir = Path.Combine("/tmp", $"vit-pool-{h.Id}");
        try
        {
            await h.VireoOk("pool", "create", "extra", "--path", dir);
            Assert.Contains("Volumes:     0", (await h.VireoOk("pool", "info", "extra")).Stdout);
            await h.VireoOk("pool", "delete", "extra");
            Assert.False(Directory.Exists(dir), "the empty directory Vireo created goes with the pool");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_long_convert_prints_progress_lines_when_stderr_is_not_a_terminal()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var source = Path.Combine(h.StateDir, "data.raw");
        await StorageKit.WriteRawAsync(source, 128 * MiB, 48 * MiB);
        await h.VireoOk("vol", "import", "default/data.raw", "--from", source, "--source-format", "raw");

        var result = await h.VireoOk("vol", "convert", "default/data.raw", "default/data.qcow2", "--format", "qcow2", "--rate-limit", "48M");
        var lines = result.Stderr.Split('\n').Where(l => l.StartsWith("progress: ", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count >= 3, $"expected several progress lines:\n{result.Stderr}");
        Assert.Equal("progress: 100%", lines[^1]);
        Assert.DoesNotContain("progress", result.Stdout);
    }

    [Theory]
    [InlineData(2, 130)]
    [InlineData(15, 143)]
    public async Task Ctrl_C_or_SIGTERM_cancels_the_convert_on_vireod_and_leaves_no_file(int signal, int exitCode)
    {
        await using var h = await VireoHarness.StartAsync(output);
        var source = Path.Combine(h.StateDir, "data.raw");
        await StorageKit.WriteRawAsync(source, 64 * MiB, 64 * MiB);
        await h.VireoOk("vol", "import", "default/data.raw", "--from", source, "--source-format", "raw");
        var before = await StorageKit.SnapshotAsync(h);

        using var cli = StorageKit.StartCli(h, "vol", "convert", "default/data.raw", "default/slow.qcow2", "--format", "qcow2", "--rate-limit", "4M");
        cli.StandardInput.Close();
        var stdout = cli.StandardOutput.ReadToEndAsync();
        var stderr = new System.Text.StringBuilder();
        while (await cli.StandardError.ReadLineAsync() is { } line)
        {
            stderr.AppendLine(line);
            if (line.StartsWith("progress: ", StringComparison.Ordinal) && line != "progress: 0%")
                break;
        }
        Assert.Contains(Directory.GetFiles(StorageKit.DefaultPool(h)), f => Path.GetFileName(f).StartsWith(".vireo-tmp-", StringComparison.Ordinal));
        Assert.True(VireoHarness.Signal(cli.Id, (UnixSignal)signal), $"signal {signal} to the CLI");
        stderr.Append(await cli.StandardError.ReadToEndAsync());
        await cli.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        var printed = await stdout;

        // Seen once in CI under load, not reproduced since: exit 0 with nothing after "Converting ...". The message
        // carries what else could tell why: stdout, and the operation as vireod saw it.
        if (cli.ExitCode != exitCode)
        {
            using var diagnose = h.Client();
            var ops = string.Join("\n", (await diagnose.ListOperationsAsync()).Select(o => $"{o.Kind} {o.Target} {o.Status} {o.Progress}"));
            Assert.Fail($"exit {cli.ExitCode}\nstderr:\n{stderr}\nstdout:\n{printed}\noperations:\n{ops}");
        }
        Assert.Contains("cancelled", stderr.ToString());
        Assert.Equal(before, await StorageKit.SnapshotAsync(h));
        using var client = h.Client();
        var op = Assert.Single(await client.ListOperationsAsync(), o => o.Kind == "volume-convert");
        Assert.Equal(OperationStatus.Cancelled, op.Status);
    }

    [Fact]
    public async Task Deleting_the_operation_cancels_it_and_leaves_no_file()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var source = Path.Combine(h.StateDir, "data.raw");
        await StorageKit.WriteRawAsync(source, 64 * MiB, 64 * MiB);
        var before = await StorageKit.SnapshotAsync(h);
        var started = await h.VireoOk("vol", "import", "default/slow.raw", "--from", source, "--source-format", "raw", "--rate-limit", "4M", "--no-wait", "-o", "json");
        var op = JsonSerializer.Deserialize(started.Stdout, VireoJsonContext.Default.OperationInfo)!;
        Assert.Equal(("volume-import", "default/slow.raw", OperationStatus.Running), (op.Kind, op.Target, op.Status));

        using var client = h.Client();
        await Task.Delay(500);
        await client.CancelOperationAsync(op.Id);
        var done = await client.GetOperationAsync(op.Id, 10_000);
        Assert.Equal(OperationStatus.Cancelled, done.Status);
        Assert.Equal(before, await StorageKit.SnapshotAsync(h));
    }

    [Fact]
    public async Task An_operation_started_with_no_wait_is_followed_listed_and_cancelled_from_the_cli()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var source = Path.Combine(h.StateDir, "data.raw");
        await StorageKit.WriteRawAsync(source, 64 * MiB, 64 * MiB);
        await h.VireoOk("vol", "import", "default/data.raw", "--from", source, "--source-format", "raw");

        // A quick one, followed to its end from another command.
        var quick = await h.VireoOk("vol", "convert", "default/data.raw", "default/copy.qcow2", "--format", "qcow2", "--no-wait");
        var id = System.Text.RegularExpressions.Regex.Match(quick.Stdout, "Operation ([0-9a-f]+) started").Groups[1].Value;
        Assert.Contains($"vireo operation wait {id}", quick.Stdout);
        var waited = await h.VireoOk("operation", "wait", id);
        Assert.Contains("succeeded: volume default/copy.qcow2 (qcow2, 64 MiB)", waited.Stdout);
        var before = await StorageKit.SnapshotAsync(h);

        // A slow one, seen running, then cancelled: nothing of it is left.
        var slow = await h.VireoOk("vol", "convert", "default/data.raw", "default/slow.qcow2", "--format", "qcow2", "--rate-limit", "4M", "--no-wait", "-o", "json");
        var op = JsonSerializer.Deserialize(slow.Stdout, VireoJsonContext.Default.OperationInfo)!;
        var listed = await h.VireoOk("operation", "list");
        Assert.Contains(listed.Stdout.Split('\n'), l => l.Contains(op.Id, StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal));
        var cancelled = await h.VireoOk("operation", "cancel", op.Id);
        Assert.Contains("cancelled; nothing partial was left", cancelled.Stdout);
        var shown = await h.VireoOk("operation", "show", op.Id, "-o", "json");
        Assert.Equal(OperationStatus.Cancelled, JsonSerializer.Deserialize(shown.Stdout, VireoJsonContext.Default.OperationInfo)!.Status);
        Assert.Equal(before, await StorageKit.SnapshotAsync(h));

        var missing = await h.Vireo("operation", "show", "0123456789abcdef");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("0123456789abcdef", missing.Stderr);
    }

    [Fact]
    public async Task A_volume_a_VM_uses_and_a_backing_volume_with_a_dependant_cannot_be_deleted()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.VireoOk("vol", "create", "default/base.qcow2", "--size", "16M");
        await h.VireoOk("vol", "create", "default/top.qcow2", "--backing", "default/base.qcow2");
        await h.VireoOk("vol", "create", "default/root.qcow2", "--size", "16M");
        var spec = Path.Combine(h.StateDir, "vm.yaml");
        await File.WriteAllTextAsync(spec, $"""
            name: user1
            memory: 64MiB
            boot:
              kernel: {Path.Combine(TinyImage.Dir, "kernel")}
            disks:
              - path: {Path.Combine(StorageKit.DefaultPool(h), "root.qcow2")}
                format: qcow2
            """);
        await h.VireoOk("define", spec);

        var inUse = await h.Vireo("vol", "delete", "default/root.qcow2");
        Assert.Equal(4, inUse.ExitCode);
        Assert.Contains("used by VM user1", inUse.Stderr);
        Assert.Equal(["user1"], (await StorageKit.VolumesAsync(h)).Single(v => v.Name == "root.qcow2").UsedBy);

        var backing = await h.Vireo("vol", "delete", "default/base.qcow2");
        Assert.Equal(4, backing.ExitCode);
        Assert.Contains("backing file of default/top.qcow2", backing.Stderr);
        Assert.Equal(["base.qcow2", "root.qcow2", "top.qcow2"], Directory.GetFiles(StorageKit.DefaultPool(h)).Select(Path.GetFileName).Order());

        await h.VireoOk("undefine", "user1");
        await h.VireoOk("vol", "delete", "default/root.qcow2");
        await h.VireoOk("vol", "delete", "default/top.qcow2");
        await h.VireoOk("vol", "delete", "default/base.qcow2");
    }
}
