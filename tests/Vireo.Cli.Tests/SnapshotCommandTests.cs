using Vireo.Cli.Commands;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

public sealed class SnapshotCommandTests : FakeDaemonTest
{
    private static SnapshotInfo Snap(string name, string? parent, bool current = false, params string[] children) => new()
    {
        Name = name,
        Vm = "web1",
        Kind = SnapshotKind.Memory,
        VmState = VmState.Running,
        CreatedAt = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero),
        Parent = parent,
        Children = children,
        Current = current,
    };

    [Fact]
    public void The_tree_draws_children_under_their_parent_and_marks_the_current_one()
    {
        var text = SnapshotCommand.RenderTree([Snap("s1", null, false, "s2", "s4"), Snap("s2", "s1", false, "s3"), Snap("s3", "s2"), Snap("s4", "s1", true)]);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  (")[0]).ToList();
        Assert.Equal(["s1", "├─ s2", "│  └─ s3", "└─ s4 *"], lines);
        Assert.Contains("(memory, running, 2026-11-24 12:00:00 UTC)", text);
    }

    [Fact]
    public async Task Memory_and_disk_only_together_are_a_usage_error_sent_nowhere()
    {
        var result = await Vireo("snapshot", "create", "web1", "s1", "--memory", "--disk-only");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("exclude each other", result.Stderr);
        Assert.DoesNotContain(Daemon.Requests, r => r.PathAndQuery.Contains("snapshots", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Running_and_paused_together_are_a_usage_error()
    {
        var result = await Vireo("snapshot", "revert", "web1", "s1", "--running", "--paused");
        Assert.Equal(2, result.ExitCode);
    }
}
