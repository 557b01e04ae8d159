using Vireo.Host.Linux;

namespace Vireo.Host.Tests;

/// <summary>The /proc parsers of the stats API, fed with files captured from a running QEMU (Fixtures/proc-stats).</summary>
public sealed class ProcCountersTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "proc-stats", name));

    [Fact]
    public void Process_stat_gives_utime_and_stime_in_ticks_and_nanoseconds()
    {
        // 17139 (qemu-system-x86) S ... fields 14 and 15: 671 80
        var cpu = ProcCounters.ParseStatCpu(Fixture("qemu-stat"));
        Assert.Equal(new CpuTicks(671, 80), cpu);
        Assert.Equal(7_510_000_000, cpu!.Value.TotalNanoseconds);
        Assert.Equal(6_710_000_000, cpu.Value.UserNanoseconds);
        Assert.Equal(800_000_000, cpu.Value.SystemNanoseconds);
    }

    [Fact]
    public void Thread_stat_with_spaces_in_its_name_is_counted_after_the_name()
    {
        // "17143 (CPU 0/TCG) S ...": the vCPU thread's name has a space and a slash.
        Assert.Equal(new CpuTicks(650, 39), ProcCounters.ParseStatCpu(Fixture("vcpu-thread-stat")));
    }

    [Fact]
    public void A_name_holding_parentheses_does_not_shift_the_fields()
    {
        Assert.Equal(new CpuTicks(123, 45), ProcCounters.ParseStatCpu(Fixture("paren-name-stat")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("17139 (qemu) S 1 2 3")]
    [InlineData("17139 (qemu) S 1 17137 17137 0 -1 138412480 18632 0 2 0 x 80 0 0")]
    public void Malformed_stat_text_gives_null_not_a_number(string text)
    {
        Assert.Null(ProcCounters.ParseStatCpu(text));
    }

    [Fact]
    public void Status_gives_the_resident_set_in_bytes()
    {
        Assert.Equal(269924L * 1024, ProcCounters.ParseResidentBytes(Fixture("qemu-status")));
        Assert.Null(ProcCounters.ParseResidentBytes("Name:\tkthreadd\nState:\tS (sleeping)\n"));
    }

    [Fact]
    public void Net_dev_lists_every_interface_with_rx_and_tx_counters()
    {
        var devices = ProcCounters.ParseNetDev(Fixture("net-dev"));
        Assert.Equal(["lo", "vireo-default", "vt52540030b8c9"], devices.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new NetDevCounters(2548, 16, 0, 0, 3191, 25, 0, 0), devices["vt52540030b8c9"]);
        Assert.Equal(new NetDevCounters(2324, 16, 0, 0, 3169, 24, 0, 0), devices["vireo-default"]);
    }

    [Fact]
    public void Net_dev_takes_numbers_glued_to_a_long_name_and_skips_short_lines()
    {
        var devices = ProcCounters.ParseNetDev(Fixture("net-dev-long"));
        var tap = Assert.Single(devices);
        Assert.Equal("vt525400aabbcc", tap.Key);
        Assert.Equal(new NetDevCounters(123456789012, 98765432, 1, 2, 2345678901234, 87654321, 3, 4), tap.Value);
    }

    [Fact]
    public void This_process_can_be_read_live()
    {
        var pid = Environment.ProcessId;
        Assert.True(ProcCounters.ReadProcessCpu(pid) is { TotalTicks: >= 0 });
        Assert.True(ProcCounters.ReadResidentBytes(pid) > 1024 * 1024);
        Assert.Contains("lo", ProcCounters.ReadNetDevices().Keys);
        Assert.Null(ProcCounters.ReadProcessCpu(int.MaxValue));
        Assert.Null(ProcCounters.ReadThreadCpu(pid, int.MaxValue));
    }
}
