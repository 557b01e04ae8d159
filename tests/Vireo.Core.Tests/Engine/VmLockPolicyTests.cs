using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

/// <summary>The one rule for a request that finds another operation holding the VM (VirtualMachine.Lock.cs).</summary>
public sealed class VmLockPolicyTests
{
    [Theory]
    [InlineData(VmAction.Shutdown)]
    [InlineData(VmAction.Reboot)]
    [InlineData(VmAction.Backup)]
    [InlineData(VmAction.Snapshot)]
    [InlineData(VmAction.Clone)]
    [InlineData(VmAction.Restore)]
    public void Behind_a_long_operation_every_other_request_is_refused_at_once(VmAction holder)
    {
        foreach (var request in Enum.GetValues<VmAction>())
        {
            var expected = holder == VmAction.Shutdown && request == VmAction.Destroy ? LockDecision.CutShort : LockDecision.Refuse;
            Assert.Equal(expected, VmLockPolicy.Decide(holder, request));
        }
    }

    [Theory]
    [InlineData(VmAction.Start)]
    [InlineData(VmAction.Destroy)]
    [InlineData(VmAction.Edit)]
    [InlineData(VmAction.ChangeDevices)]
    [InlineData(VmAction.Suspend)]
    [InlineData(VmAction.Undefine)]
    public void Behind_a_short_operation_a_request_waits(VmAction holder)
    {
        foreach (var request in Enum.GetValues<VmAction>())
            Assert.Equal(LockDecision.Wait, VmLockPolicy.Decide(holder, request));
    }

    [Fact]
    public void A_refusal_names_the_operation_in_progress_its_age_and_what_to_do_with_the_command_only_in_the_hint()
    {
        var (message, hint) = VmLockPolicy.Explain("web1", VmAction.Shutdown, VmAction.Suspend, 12.4);
        Assert.Equal("VM \"web1\" is busy: a shutdown has been in progress for 12 s and a suspend cannot run alongside it", message);
        Assert.Contains("vireo destroy web1", hint);
        Assert.DoesNotContain("vireo ", message);
        var (backup, backupHint) = VmLockPolicy.Explain("db", VmAction.Backup, VmAction.Start, 3);
        Assert.Contains("a backup has been in progress", backup);
        Assert.Contains("Retry once the backup has finished", backupHint);
        Assert.Equal("Retry in a moment.", VmLockPolicy.Explain("x", VmAction.Start, VmAction.Edit, 1).Hint);
    }

    [Fact]
    public void Libvirts_wait_is_kept_for_short_operations() =>
        Assert.Equal(TimeSpan.FromSeconds(30), VmLockPolicy.LockWait);
}
