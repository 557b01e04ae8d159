using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Tests.Errors;

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
    [InlineData(VmState.Running, true, VmAction.Start, "already running", null)]
    [InlineData(VmState.Paused, true, VmAction.Start, "is paused", "vireo resume vm")]
    [InlineData(VmState.Crashed, true, VmAction.Start, "kept for inspection", "vireo destroy vm")]
    [InlineData(VmState.Stopped, false, VmAction.Shutdown, "not running", null)]
    [InlineData(VmState.Paused, true, VmAction.Shutdown, "paused", "vireo resume vm")]
    [InlineData(VmState.ShuttingDown, true, VmAction.Shutdown, "already shutting down", "vireo destroy vm")]
    [InlineData(VmState.Stopped, false, VmAction.Destroy, "not running", null)]
    [InlineData(VmState.Stopped, false, VmAction.Suspend, "not running", "vireo start vm")]
    [InlineData(VmState.Paused, true, VmAction.Suspend, "already paused", null)]
    [InlineData(VmState.Running, true, VmAction.Resume, "not paused", null)]
    [InlineData(VmState.Running, true, VmAction.Undefine, "only a stopped VM", "vireo shutdown vm")]
    [InlineData(VmState.Crashed, true, VmAction.Undefine, "only a stopped VM", "vireo destroy vm")]
    [InlineData(VmState.Stopped, false, VmAction.Console, "not running", "vireo start vm")]
    [InlineData(VmState.Starting, true, VmAction.Console, "still starting", "Try again")]
    [InlineData(VmState.ShuttingDown, true, VmAction.Reboot, "shutting down", "vireo start vm")]
    [InlineData(VmState.Running, true, VmAction.Restore, "only replaced while it is stopped", "vireo shutdown vm")]
    public void Refused_actions_say_why_and_the_hint_what_to_do(VmState state, bool hasProcess, VmAction action, string why, string? hint)
    {
        var refusal = VmStateMachine.Refusal("vm", state, hasProcess, action);
        Assert.NotNull(refusal);
        Assert.Contains(why, refusal.Message);
        if (hint is null)
            Assert.Null(refusal.Hint);
        else
            Assert.Contains(hint, refusal.Hint);
    }

    /// <summary>Every row of the table: the message is a sentence a web page shows as it is; commands go in the hint.</summary>
    [Fact]
    public void No_refusal_message_carries_command_syntax_and_every_command_is_in_a_hint()
    {
        var refusals = 0;
        foreach (var action in Enum.GetValues<VmAction>())
        foreach (var state in Enum.GetValues<VmState>())
        foreach (var hasProcess in new[] { false, true })
        {
            if (VmStateMachine.Refusal("web", state, hasProcess, action) is not { } refusal)
                continue;
            refusals++;
            var where = $"{action} in {state} (process: {hasProcess})";
            Assert.False(MessageRules.CarriesCommandSyntax(refusal.Message), $"{where}: the message names a command: {refusal.Message}");
            Assert.StartsWith("VM \"web\"", refusal.Message);
            Assert.False(refusal.Message.EndsWith('.'), $"{where}: a message is a clause, without a final period: {refusal.Message}");
            if (refusal.Hint is { } hint)
                Assert.True(char.IsUpper(hint[0]), $"{where}: a hint is a sentence: {hint}");
        }
        Assert.True(refusals > 40, $"only {refusals} refusals: the walk missed the table");
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
