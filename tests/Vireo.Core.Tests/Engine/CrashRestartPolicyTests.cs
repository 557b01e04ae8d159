using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

public sealed class CrashRestartPolicyTests
{
    [Fact]
    public void The_back_off_doubles_from_one_second_and_gives_up_after_the_quick_crash_limit()
    {
        var delays = Enumerable.Range(1, CrashRestartPolicy.MaxQuickCrashes).Select(n => CrashRestartPolicy.DelayFor(n)!.Value.TotalSeconds);
        Assert.Equal([1, 2, 4, 8], delays);
        Assert.Null(CrashRestartPolicy.DelayFor(CrashRestartPolicy.MaxQuickCrashes + 1));
    }

    [Fact]
    public void The_back_off_never_exceeds_its_cap()
    {
        for (var n = 1; n <= CrashRestartPolicy.MaxQuickCrashes; n++)
            Assert.True(CrashRestartPolicy.DelayFor(n) <= CrashRestartPolicy.MaxDelay);
    }
}
