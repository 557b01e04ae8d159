namespace Vireo.Qemu.Tests.Unit;

public sealed class ProcStatTests
{
    // A real /proc/PID/stat line of a daemonized QEMU (52 fields), then variants of field 2.
    private const string QemuStat =
        "20123 (qemu-system-x86) S 1 20122 20122 0 -1 4194624 2711 0 0 0 3 2 0 0 20 0 5 0 8823417 1139073024 " +
        "10321 18446744073709551615 1 1 0 0 0 0 268443648 4096 17987 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0";

    [Fact]
    public void Reads_state_parent_session_and_start_time()
    {
        var s = LinuxProcess.ParseStat(QemuStat)!.Value;
        Assert.Equal(20123, s.Pid);
        Assert.Equal('S', s.State);
        Assert.Equal(1, s.ParentPid);
        Assert.Equal(20122, s.SessionId);
        Assert.Equal(8823417UL, s.StartTime);
        Assert.False(s.HasExited);
    }

    [Fact]
    public void Command_name_with_spaces_and_parentheses_does_not_shift_fields()
    {
        var s = LinuxProcess.ParseStat(QemuStat.Replace("(qemu-system-x86)", "(a) b (c))"))!.Value;
        Assert.Equal(8823417UL, s.StartTime);
        Assert.Equal(1, s.ParentPid);
    }

    [Fact]
    public void Zombie_counts_as_exited() =>
        Assert.True(LinuxProcess.ParseStat(QemuStat.Replace(") S ", ") Z "))!.Value.HasExited);

    [Fact]
    public void Malformed_text_gives_null()
    {
        Assert.Null(LinuxProcess.ParseStat(""));
        Assert.Null(LinuxProcess.ParseStat("12 (x) S 1 2"));
    }

    [Fact]
    public void Own_process_reads_back_with_a_stable_start_time()
    {
        var a = LinuxProcess.TryReadStat(Environment.ProcessId)!.Value;
        var b = LinuxProcess.TryReadStat(Environment.ProcessId)!.Value;
        Assert.Equal(Environment.ProcessId, a.Pid);
        Assert.Equal(a.StartTime, b.StartTime);
        Assert.Null(LinuxProcess.TryReadStat(int.MaxValue));
    }

    [Fact]
    public void Signal_is_refused_for_a_pid_whose_start_time_differs()
    {
        var me = LinuxProcess.TryReadStat(Environment.ProcessId)!.Value;
        // Had this been sent, SIGKILL would end the test run itself.
        Assert.False(LinuxProcess.Signal(Environment.ProcessId, me.StartTime + 1, UnixSignal.Kill));
    }

    [Theory]
    [InlineData(6, "aborted (SIGABRT)")]
    [InlineData(6 | 0x80, "aborted (SIGABRT, core dumped)")]
    [InlineData(9, "was killed with SIGKILL")]
    [InlineData(1 << 8, "exited with status 1")]
    [InlineData(7, "was killed by signal 7")]
    public void A_wait_status_is_put_in_words(int status, string words) =>
        Assert.Equal(words, LinuxProcess.DescribeExitStatus(status));

    [Fact]
    public void The_exit_status_of_a_running_process_is_unknown()
    {
        var me = LinuxProcess.TryReadStat(Environment.ProcessId)!.Value;
        Assert.Null(LinuxProcess.TryReadExitStatus(Environment.ProcessId, me.StartTime));
    }
}
