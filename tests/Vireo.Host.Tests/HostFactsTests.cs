using Vireo.Host.Linux;
using Vireo.Host.Tests.Support;

namespace Vireo.Host.Tests;

public class HostFactsTests
{
    [Fact]
    public void Read_TakesCpusFromOnlineListAndMemoryFromMeminfo()
    {
        using var host = FixtureHost.Load("intel-kvm");
        var facts = HostFacts.Read(host.Env);
        Assert.Equal(new HostFacts(16, 131900000 / 1024, 120000000 / 1024), facts);
    }

    [Fact]
    public void Read_CountsCpusAcrossRanges()
    {
        using var host = FixtureHost.Load("amd-nested");
        Assert.Equal(128, HostFacts.Read(host.Env).LogicalCpus); // 0-63,128-191
    }

    [Fact]
    public void Read_FallsBackToCpuinfo_WhenOnlineIsMissing()
    {
        using var host = FixtureHost.Load("amd-nested");
        host.Delete("sys/devices/system/cpu/online");
        Assert.Equal(4, HostFacts.Read(host.Env).LogicalCpus);
    }

    [Fact]
    public void Read_Throws_WithoutMeminfo()
    {
        using var host = FixtureHost.Load("no-kvm");
        host.Delete("proc/meminfo");
        var e = Assert.Throws<InvalidOperationException>(() => HostFacts.Read(host.Env));
        Assert.Contains("MemTotal", e.Message);
    }

    [Theory]
    [InlineData("0", 1)]
    [InlineData("0-1\n", 2)]
    [InlineData("0-3,8-11", 8)]
    [InlineData("0,2,4-5", 4)]
    public void CpuList_CountsTheKernelListFormat(string list, int expected) => Assert.Equal(expected, CpuList.Count(list));

    [Theory]
    [InlineData("3-1")]
    [InlineData("a")]
    public void CpuList_RejectsMalformedLists(string list) => Assert.ThrowsAny<FormatException>(() => CpuList.Count(list));

    [Fact]
    public void ReadThisHost_SeesAtLeastTheCpusThisProcessMayUse()
    {
        var facts = HostFacts.ReadThisHost();
        // Affinity and cgroup quotas can only lower ProcessorCount below the host's online CPUs.
        Assert.True(facts.LogicalCpus >= Environment.ProcessorCount, $"{facts.LogicalCpus} < {Environment.ProcessorCount}");
        Assert.InRange(facts.MemAvailableMiB, 1, facts.MemTotalMiB);
    }
}
