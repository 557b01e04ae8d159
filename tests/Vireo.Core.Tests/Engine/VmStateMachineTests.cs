using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

public sealed class VmStateMachineTests
{
    [Theory]
    [InlineData(VmState.Stopped, false, VmAction.Start)]
    [InlineData(VmState.Crashed, false, VmAction.Start)]
    [InlineData(VmState.Running, true, VmAction.Shutdown)]
    [InlineData(VmState.Running, true, VmAction.Destroy)]
    [InlineData(VmState.Paused, true, VmAction.Destroy)]
    [InlineData(VmState.ShuttingDown, true, VmAction.Destroy)]
    [InlineData(VmState.Crashed, true, VmAction.Destroy)]
    [InlineData(VmState.Running, true, VmAction.Reboot)]
    [InlineData(VmState.Paused, true, VmAction.Reset)]
    [InlineData(VmState.Running, true, VmAction.Suspend)]
    [InlineData(VmState.Paused, true, VmAction.Resume)]
    [InlineData(VmState.Stopped, false, VmAction.Undefine)]
    [InlineData(VmState.Crashed, false, VmAction.Undefine)]
    [InlineData(VmState.Running, true, VmAction.Console)]
    public void Allowed_actions_have_no_refusal(VmState state, bool hasProcess, VmAction action) =>
        Assert.Null(VmStateMachine.Refusal("vm", state, hasProcess, action));

    [Theory]
    [InlineData(VmState.Running, true, VmAction.Start, "already running")]
    [InlineData(VmState.Paused, true, VmAction.Start, "vireo resume vm")]
    [InlineData(VmState.Crashed, true, VmAction.Start, "vireo destroy vm")]
    [InlineData(VmState.Stopped, false, VmAction.Shutdown, "not running")]
    [InlineData(VmState.Paused, true, VmAction.Shutdown, "paused")]
    [InlineData(VmState.ShuttingDown, true, VmAction.Shutdown, "already shutting down")]
    [InlineData(VmState.Stopped, false, VmAction.Destroy, "vireo start vm")]
    [InlineData(VmState.Stopped, false, VmAction.Suspend, "not running")]
    [InlineData(VmState.Paused, true, VmAction.Suspend, "already paused")]
    [InlineData(VmState.Running, true, VmAction.Resume, "not paused")]
    [InlineData(VmState.Running, true, VmAction.Undefine, "stop it first")]
    [InlineData(VmState.Crashed, true, VmAction.Undefine, "stop it first")]
    [InlineData(VmState.Stopped, false, VmAction.Console, "not running")]
    [InlineData(VmState.Starting, true, VmAction.Console, "not running")]
    public void Refused_actions_say_why_and_what_to_do(VmState state, bool hasProcess, VmAction action, string expected)
    {
        var refusal = VmStateMachine.Refusal("vm", state, hasProcess, action);
        Assert.NotNull(refusal);
        Assert.Contains(expected, refusal);
    }

    [Fact]
    public void States_round_trip_through_their_stored_spelling()
    {
        foreach (var state in Enum.GetValues<VmState>())
            Assert.Equal(state, VmStateMachine.Parse(VmStateMachine.Describe(state)));
        Assert.Equal("shutting-down", VmStateMachine.Describe(VmState.ShuttingDown));
    }

    [Fact]
    public void An_unknown_stored_state_reads_as_crashed_so_nothing_starts_twice() =>
        Assert.Equal(VmState.Crashed, VmStateMachine.Parse("migrating"));
}
