using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

public sealed class CrashRestartPolicyTests
{
    [Fact]
    public void A_crash_loop_is_stopped_after_three_restarts_in_the_window()
    {
        var policy = new CrashRestartPolicy();
        var t = DateTimeOffset.UnixEpoch;
        Assert.True(policy.Allow("vm", t));
        Assert.True(policy.Allow("vm", t.AddSeconds(10)));
        Assert.True(policy.Allow("vm", t.AddSeconds(20)));
        Assert.False(policy.Allow("vm", t.AddSeconds(30)));
        Assert.True(policy.Allow("other", t.AddSeconds(30)));
    }

    [Fact]
    public void Restarts_are_allowed_again_once_old_crashes_leave_the_window()
    {
        var policy = new CrashRestartPolicy();
        var t = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < CrashRestartPolicy.MaxRestarts; i++)
            Assert.True(policy.Allow("vm", t));
        Assert.True(policy.Allow("vm", t + CrashRestartPolicy.Window + TimeSpan.FromSeconds(1)));
    }
}
