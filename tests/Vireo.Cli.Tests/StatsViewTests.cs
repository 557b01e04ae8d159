using Vireo.Cli.Commands;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Tests;

/// <summary>Rates between two samples, the plain table layout, and the screens of vireo top and domstats.</summary>
public sealed class StatsViewTests
{
    private const long Second = 1_000_000_000;

    private static VmStats Sample(string name, long clockNs, long cpuNs, long read, long written, long rx, long tx,
        int pid = 100, bool userNic = false, bool onlyUserNic = false, int hostCpus = 2)
    {
        List<VmNicStats> nics = onlyUserNic ? [] : [new VmNicStats { Mac = "52:54:00:00:00:01", Type = "network", Network = "default", Tap = "vt525400000001", RxBytes = rx, TxBytes = tx, RxPackets = 1, TxPackets = 1 }];
        if (userNic || onlyUserNic)
            nics.Add(new VmNicStats { Mac = "52:54:00:00:00:02", Type = "user", Unavailable = "user-mode networking runs inside QEMU, without a tap" });
        return new VmStats
        {
            Name = name,
            Uuid = $"uuid-{name}",
            State = VmState.Running,
            Pid = pid,
            UptimeSeconds = 75,
            ClockNs = clockNs,
            Cpu = new VmCpuStats { TimeNs = cpuNs, HostCpus = hostCpus, Vcpus = [new VcpuStats { Index = 0, ThreadId = pid + 3, TimeNs = cpuNs / 2 }] },
            Memory = new VmMemoryStats { ConfiguredBytes = 128L << 20, ActualBytes = 128L << 20, RssBytes = 200L << 20 },
            Disks = [new VmDiskStats { Device = "disk1", Kind = "disk", Source = "default/web.qcow2", ReadBytes = read, WriteBytes = written }],
            Nics = nics,
        };
    }

    [Fact]
    public void Rates_divide_counter_differences_by_the_monotonic_interval()
    {
        var before = Sample("web", 10 * Second, 4 * Second, 1000, 0, 0, 0);
        // Two seconds later: 1 s of CPU on a 2-CPU host is 25 % of the host, as virt-top counts it.
        var after = Sample("web", 12 * Second, 5 * Second, 1000 + 4096, 2 << 20, 3000, 1000);
        var rates = VmRates.Between(before, after)!;
        Assert.Equal(25.0, rates.CpuPercent!.Value, 6);
        Assert.Equal(2048.0, rates.DiskReadPerSecond!.Value, 6);
        Assert.Equal(1 << 20, rates.DiskWritePerSecond!.Value, 6);
        Assert.Equal((1500.0, 500.0), (rates.NetRxPerSecond!.Value, rates.NetTxPerSecond!.Value));
        Assert.False(rates.NetPartial);
        Assert.False(rates.NetUnavailable);
    }

    [Fact]
    public void No_rates_across_a_restart_or_without_time_passing()
    {
        var before = Sample("web", 10 * Second, 4 * Second, 0, 0, 0, 0);
        Assert.Null(VmRates.Between(null, before));
        Assert.Null(VmRates.Between(before, Sample("web", 12 * Second, 1 * Second, 0, 0, 0, 0, pid: 101)));
        Assert.Null(VmRates.Between(before, before));
        Assert.Null(VmRates.Between(before, before with { ClockNs = null }));
    }

    [Fact]
    public void A_counter_that_goes_backwards_is_left_out_rather_than_shown_negative()
    {
        var before = Sample("web", 10 * Second, 4 * Second, 5000, 5000, 5000, 5000);
        var rates = VmRates.Between(before, Sample("web", 11 * Second, 3 * Second, 100, 100, 100, 100))!;
        Assert.Null(rates.CpuPercent);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (rates.DiskReadPerSecond, rates.DiskWritePerSecond, rates.NetRxPerSecond, rates.NetTxPerSecond));
    }

    [Fact]
    public void User_mode_NICs_are_marked_partial_or_unavailable_never_zero()
    {
        var partial = VmRates.Between(Sample("a", Second, 0, 0, 0, 0, 0, userNic: true), Sample("a", 2 * Second, 0, 0, 0, 10, 10, userNic: true))!;
        Assert.True(partial.NetPartial);
        Assert.Equal(10.0, partial.NetRxPerSecond);
        var none = VmRates.Between(Sample("b", Second, 0, 0, 0, 0, 0, onlyUserNic: true), Sample("b", 2 * Second, 0, 0, 0, 0, 0, onlyUserNic: true))!;
        Assert.True(none.NetUnavailable);
        Assert.Null(none.NetRxPerSecond);
    }

    [Theory]
    [InlineData(null, "-")]
    [InlineData(0.0, "0")]
    [InlineData(512.4, "512")]
    [InlineData(1023.0, "1023")]
    [InlineData(1536.0, "1.5K")]
    [InlineData(10240.0, "10K")]
    [InlineData(1048063.0, "1023K")]
    [InlineData(1048525.0, "1.0M")]
    [InlineData(276455424.0, "264M")]
    [InlineData(25275924480.0, "24G")]
    public void Bytes_are_short_binary_figures(double? value, string expected)
    {
        Assert.Equal(expected, StatsFormat.Bytes(value));
    }

    [Theory]
    [InlineData(42L, "42s")]
    [InlineData(75L, "1m15s")]
    [InlineData(3 * 3600L + 5 * 60, "3h05m")]
    [InlineData(2 * 86400L + 4 * 3600, "2d04h")]
    public void Uptime_reads_like_top(long seconds, string expected)
    {
        Assert.Equal(expected, StatsFormat.Uptime(seconds));
    }

    [Fact]
    public void A_table_aligns_numbers_right_and_leaves_no_trailing_spaces()
    {
        var table = new ColumnTable(new TextColumn("NAME"), new TextColumn("N", RightAligned: true), new TextColumn("NOTE"));
        table.AddRow("a", "1", "");
        table.AddRow("longer", "100", "x");
        Assert.Equal(["NAME      N  NOTE", "a         1", "longer  100  x"], table.Render(80));
    }

    [Fact]
    public void A_table_too_wide_narrows_the_name_then_drops_columns_from_the_right()
    {
        var table = new ColumnTable(new TextColumn("NAME", Shrinkable: true), new TextColumn("A", RightAligned: true),
            new TextColumn("B", RightAligned: true, Droppable: true), new TextColumn("C", RightAligned: true, Droppable: true));
        table.AddRow("a-very-long-vm-name", "1", "2", "3");
        // Natural width 19 + 2 + 1 + 2 + 1 + 2 + 1 = 28.
        Assert.Equal("a-very-long-vm-name  1  2  3", table.Render(28)[1]);
        Assert.Equal("a-very-long-vm-n~  1  2  3", table.Render(26)[1]);
        Assert.Equal(["NAME      A  B", "a-very-~  1  2"], table.Render(15));
        Assert.Equal(["NAME      A", "a-very-~  1"], table.Render(11));
        // Below what the fixed columns need, lines are cut at the width.
        Assert.All(table.Render(5), line => Assert.True(line.Length <= 5));
    }

    [Fact]
    public void Wrapped_notes_fit_the_width_with_indented_continuations()
    {
        var lines = ColumnTable.Wrap("web 52:54:00:00:00:02: no counters: user-mode networking runs inside QEMU", 30).ToList();
        Assert.Equal(["web 52:54:00:00:00:02: no", "  counters: user-mode", "  networking runs inside QEMU"], lines);
        Assert.All(ColumnTable.Wrap(new string('x', 50), 20), line => Assert.True(line.Length <= 20));
    }

    private static StatsReport Report(DateTimeOffset at, params VmStats[] vms) => new()
    {
        SampledAt = at,
        HostCpus = 2,
        HostMemoryBytes = 4L << 30,
        Vms = [.. vms, new VmStats { Name = "off", Uuid = "uuid-off", State = VmState.Stopped }],
    };

    [Fact]
    public void Top_shows_one_row_per_vm_with_a_process_sorted_by_cpu()
    {
        var t = DateTimeOffset.Parse("2026-12-07T10:00:00Z");
        var first = Report(t, Sample("a-idle", Second, Second, 0, 0, 0, 0, pid: 1), Sample("b-busy", Second, Second, 0, 0, 0, 0, pid: 2, userNic: true));
        var second = Report(t.AddSeconds(1), Sample("a-idle", 2 * Second, Second, 0, 0, 0, 0, pid: 1), Sample("b-busy", 2 * Second, 2 * Second, 1 << 20, 0, 2048, 0, pid: 2, userNic: true));

        var lines = TopView.Render(second, first, TopSort.Cpu, 100);

        Assert.StartsWith("vireo top - ", lines[0]);
        Assert.Contains("3 VMs, 2 running, 0 paused, 1 inactive  host: 2 CPUs, 4.0G memory", lines[0]);
        Assert.StartsWith("CPU 50.0%", lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal("NAME    STATE    %CPU        MEM  DISK-RD/s  DISK-WR/s  NET-RX/s  NET-TX/s", lines[3]);
        Assert.Equal("b-busy  running  50.0  200M/128M       1.0M          0     2.0K*        0*", lines[4]);
        Assert.Equal("a-idle  running   0.0  200M/128M          0          0         0         0", lines[5]);
        Assert.Equal("", lines[6]);
        Assert.StartsWith("*: leaves out the VM's user-mode NICs", lines[7]);
        Assert.DoesNotContain(lines, l => l.StartsWith("off", StringComparison.Ordinal));
        Assert.Equal(["b-busy", "a-idle"], TopView.Render(second, first, TopSort.Disk, 100).Skip(4).Take(2).Select(l => l.Split(' ')[0]));
        Assert.All(lines, l => Assert.Equal(l.TrimEnd(), l));

        Assert.Equal(["a-idle", "b-busy"], TopView.Render(second, first, TopSort.Name, 100).Skip(4).Take(2).Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public void Top_before_a_second_sample_says_why_rates_are_missing_and_fits_small_screens()
    {
        var t = DateTimeOffset.Parse("2026-12-07T10:00:00Z");
        var vms = Enumerable.Range(0, 30).Select(i => Sample($"vm{i:00}", Second, Second, 0, 0, 0, 0, pid: 10 + i)).ToArray();
        var lines = TopView.Render(Report(t, vms), null, TopSort.Name, 40, maxLines: 12, delaySeconds: 2);

        Assert.Equal("rates need two samples: the first come a", lines[1]);
        Assert.True(lines.Count <= 12);
        Assert.All(lines, l => Assert.True(l.Length <= 40, l));
        Assert.Equal("NAME  STATE    %CPU        MEM", lines[3]);
        Assert.Equal("vm00  running     -  200M/128M", lines[4]);
        Assert.Contains(lines, l => l.Contains("more VMs not shown", StringComparison.Ordinal));
    }

    [Fact]
    public void Domstats_shows_the_vm_disk_and_nic_counters_and_says_which_nics_have_none()
    {
        var lines = DomstatsCommand.Render([Sample("web", Second, 12_340_000_000, 4096, 1 << 20, 3000, 1000, userNic: true),
            new VmStats { Name = "off", Uuid = "u2", State = VmState.Stopped }], 200);

        Assert.Equal("NAME  STATE    PID  UPTIME  CPU-S   RSS  MEMORY  BALLOON  VCPU-S", lines[0]);
        Assert.Equal("web   running  100   1m15s  12.34  200M    128M        -  6.17", lines[1]);
        Assert.Equal("off   stopped    -       -      -     -       -        -  -", lines[2]);
        Assert.Equal("", lines[3]);
        Assert.Equal("NAME  DEVICE  RD-BYTES  WR-BYTES  RD-OPS  WR-OPS  FLUSHES  SOURCE", lines[4]);
        Assert.Equal("web   disk1       4096   1048576       0       0        0  default/web.qcow2", lines[5]);
        Assert.Equal("NAME  MAC                RX-BYTES  TX-BYTES  RX-PKTS  TX-PKTS  ERRS  DROPS  TAP             ON", lines[7]);
        Assert.Equal("web   52:54:00:00:00:01      3000      1000        1        1     -      -  vt525400000001  network default", lines[8]);
        Assert.Equal("web   52:54:00:00:00:02         -         -        -        -     -      -  -               user", lines[9]);
        Assert.Equal("web 52:54:00:00:00:02: no counters: user-mode networking runs inside QEMU, without a tap", lines[^1]);
        Assert.All(lines, l => Assert.Equal(l.TrimEnd(), l));
    }

    [Theory]
    // The option factories' words (src/Vireo.Cli/Options), as for every other option.
    [InlineData("--delay", "abc", "--delay \"abc\" is not a plain number; give a number of seconds from 0.1 to 3600")]
    [InlineData("--delay", "0", "--delay \"0\" is less than 0.1; give a number of seconds from 0.1 to 3600")]
    [InlineData("--delay", "1e400", "--delay \"1e400\" is not a plain number")]
    [InlineData("-n", "0", "--iterations \"0\" is less than 1; give a whole number of updates from 1 to 2147483647")]
    [InlineData("-n", "99999999999", "--iterations \"99999999999\" is more than 2147483647")]
    [InlineData("--sort", "speed", "--sort \"speed\" is not one of cpu, mem, disk, net, name")]
    public async Task Bad_top_options_are_refused_with_exit_2_before_anything_is_asked(string option, string value, string message)
    {
        var result = await CliRunner.RunAsync("/nonexistent/vireod.sock", ["top", option, value]);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Equal("", result.Stdout);
    }
}
