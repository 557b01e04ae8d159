using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

public sealed class IdentityRulesTests
{
    [Theory]
    [InlineData(VmAction.Rename)]
    [InlineData(VmAction.Clone)]
    public void Rename_and_clone_need_a_VM_without_a_QEMU_process(VmAction action)
    {
        Assert.Null(VmStateMachine.Refusal("web", VmState.Stopped, false, action));
        Assert.Null(VmStateMachine.Refusal("web", VmState.Crashed, false, action));
        foreach (var state in new[] { VmState.Running, VmState.Paused, VmState.Starting, VmState.ShuttingDown })
            Assert.Contains("is " + VmStateMachine.Describe(state), VmStateMachine.Refusal("web", state, true, action)!.Message);
        Assert.NotNull(VmStateMachine.Refusal("web", VmState.Crashed, true, action));
    }
}
