using System.Runtime.InteropServices;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>What vireod inherits from whoever started it stays with vireod: QEMU, which outlives it, never holds it.</summary>
public sealed partial class InheritedDescriptorTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_pipe_vireod_inherited_is_not_held_by_the_qemu_it_starts()
    {
        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        // As a shell or an SSH session would leave it: a pipe open in vireod's parent, not close-on-exec.
        var fds = new int[2];
        Assert.Equal(0, Pipe(fds));
        string pipe;
        try
        {
            pipe = new FileInfo($"/proc/self/fd/{fds[1]}").LinkTarget!;
            await h.StartDaemonAsync();
        }
        finally
        {
            Close(fds[0]);
            Close(fds[1]);
        }
        var daemon = h.DaemonPid ?? throw new InvalidOperationException("vireod is not running");
        // The test can fail: vireod did inherit the pipe.
        Assert.Contains(pipe, Targets(daemon));

        await h.StartTinyAsync("fds");
        var qemu = Assert.Single(h.QemuPids());
        Assert.DoesNotContain(pipe, Targets(qemu));
    }

    private static List<string?> Targets(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(fd => new FileInfo(fd).LinkTarget).ToList();

    [LibraryImport("libc.so.6", EntryPoint = "pipe")]
    private static partial int Pipe(int[] fds);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);
}
