using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Bad input gets a message naming the field, the value and the fix, a non-zero exit code, and changes nothing:
/// no row, no VM directory, no process.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> BadNames => new()
    {
        { "a/b", "contains \"/\"" },
        { "..", "\"..\"" },
        { "has space", "contains a space" },
        { "bell\u0007", "control character" },
        { "-dash", "starts with \"-\"" },
        { new string('x', 64), "64 characters long" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task A_bad_name_is_refused_with_the_rule(string name, string expected)
    {
        await using var h = await VireoHarness.StartAsync(output);
        var result = await h.Vireo("create", "--name", name, "--memory", "64", "--boot", $"kernel={TinyKernel()}");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("name", result.Stderr);
        Assert.Contains(expected, result.Stderr);
        await AssertNothingChangedAsync(h);
    }

    [Fact]
    public async Task A_spec_with_several_problems_reports_all_of_them_and_defines_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var spec = Path.Combine(h.StateDir, "bad.yaml");
        await File.WriteAllTextAsync(spec, """
            name: bad
            memory: 12
            vcpus: 4096
            boot:
              kernel: /nope/vmlinuz
            disks:
              - path: /nope.qcow2
                fromat: qcow2
            color: blue
            """);
        var result = await h.Vireo("define", spec);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("memory: \"12MiB\" is below the 16 MiB minimum", result.Stderr);
        Assert.Contains("vcpus: \"4096\" exceeds the", result.Stderr);
        Assert.Contains("boot.kernel: \"/nope/vmlinuz\" does not exist", result.Stderr);
        Assert.Contains("disks[0].fromat", result.Stderr);
        Assert.Contains("did you mean \"format\"", result.Stderr);
        Assert.Contains("color", result.Stderr);
        await AssertNothingChangedAsync(h);
    }

    [Theory]
    [InlineData("abc", "is not a size")]
    [InlineData("-1G", "negative")]
    [InlineData("1024G", "more than this host's")]
    public async Task Bad_memory_is_refused(string memory, string expected)
    {
        await using var h = await VireoHarness.StartAsync(output);
        var spec = Path.Combine(h.StateDir, "m.yaml");
        await File.WriteAllTextAsync(spec, $"name: m\nmemory: {memory}\nboot:\n  kernel: {TinyKernel()}\n");
        var result = await h.Vireo("define", spec);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("memory", result.Stderr);
        Assert.Contains(expected, result.Stderr);
        await AssertNothingChangedAsync(h);
    }

    [Fact]
    public async Task Wrong_types_and_unparsable_documents_are_refused()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var spec = Path.Combine(h.StateDir, "t.yaml");
        await File.WriteAllTextAsync(spec, "name: t\nvcpus: two\nautostart: maybe\nnics: eth0\n");
        var result = await h.Vireo("define", spec);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("vcpus: \"two\" is not an integer", result.Stderr);
        Assert.Contains("autostart", result.Stderr);
        Assert.Contains("nics", result.Stderr);

        await File.WriteAllTextAsync(spec, "name: [unclosed\n");
        result = await h.Vireo("define", spec);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("line", result.Stderr);
        await AssertNothingChangedAsync(h);
    }

    [Fact]
    public async Task Unknown_vm_names_give_not_found()
    {
        await using var h = await VireoHarness.StartAsync(output);
        foreach (var verb in new[] { "info", "start", "shutdown", "destroy", "undefine", "console", "logs" })
        {
            var result = await h.Vireo(verb, "ghost");
            Assert.True(result.ExitCode == 3, $"vireo {verb} ghost: {result}");
            Assert.Contains("ghost", result.Stderr);
        }
    }

    [Fact]
    public async Task Conflicting_operations_are_refused_and_change_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        await h.StartTinyAsync("busy");
        var pid = Assert.Single(h.QemuPids());

        var second = await h.Vireo("create", "--name", "busy", "--image", "tiny");
        Assert.Equal(4, second.ExitCode);
        Assert.Contains("already exists", second.Stderr);

        var start = await h.Vireo("start", "busy");
        Assert.Equal(4, start.ExitCode);
        Assert.Contains("already running", start.Stderr);

        var undefine = await h.Vireo("undefine", "busy");
        Assert.Equal(4, undefine.ExitCode);
        Assert.Contains("hint: Stop it first", undefine.Stderr);

        Assert.Equal(pid, Assert.Single(h.QemuPids()));
        Assert.Contains("running", (await h.VireoOk("list")).Stdout);
    }

    [Fact]
    public async Task A_start_that_qemu_refuses_leaves_no_process_or_runtime_files()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var disk = Path.Combine(h.StateDir, "not-qcow2.img");
        await File.WriteAllTextAsync(disk, "this is not a qcow2 image");
        var spec = Path.Combine(h.StateDir, "q.yaml");
        await File.WriteAllTextAsync(spec, $"name: q\nmemory: 64\ndisks:\n  - path: {disk}\n    format: qcow2\ngraphics:\n  type: none\n");
        await h.VireoOk("define", spec);

        var result = await h.Vireo("start", "q");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("qcow2", result.Stderr);
        Assert.Empty(h.QemuPids());
        var vmDir = Directory.GetDirectories(Path.Combine(h.StateDir, "vms")).Single();
        // Only logs stay: the guest's serial log and QEMU's own (which says why it refused).
        Assert.DoesNotContain(Directory.GetFiles(vmDir), f => Path.GetFileName(f) is not ("serial.log" or "qemu.log"));
        Assert.Contains("stopped", (await h.VireoOk("list", "--all")).Stdout);
    }

    [Fact]
    public async Task A_second_vireod_on_the_same_state_directory_is_refused()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var result = await ProcessRunner.RunAsync("dotnet",
            [Repo.DaemonDll, "--state-dir", h.StateDir, "--socket", Path.Combine(h.StateDir, "other.sock")],
            timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already owns the state directory", result.Stdout + result.Stderr);
    }

    private static string TinyKernel() => Path.Combine(TinyImage.Dir, "kernel");

    private static async Task AssertNothingChangedAsync(VireoHarness h)
    {
        Assert.Equal("[]", (await h.VireoOk("list", "--all", "-o", "json")).Stdout.Trim());
        var vms = Path.Combine(h.StateDir, "vms");
        Assert.True(!Directory.Exists(vms) || Directory.GetFileSystemEntries(vms).Length == 0);
        Assert.Empty(h.QemuPids());
    }
}
