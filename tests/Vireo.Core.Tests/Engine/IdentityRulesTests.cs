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

    [Fact]
    public void A_clone_leaves_a_fixed_VNC_port_to_the_first_free_display_and_says_so_but_keeps_disk_serials()
    {
        var source = new VmSpec
        {
            Name = "web",
            Uuid = Guid.NewGuid().ToString(),
            Graphics = new GraphicsSpec { Type = "vnc", Port = 5907 },
            Disks = [new DiskSpec { Volume = "default/web-root.qcow2", Serial = "ROOT1" }],
            Nics = [new NicSpec { Type = "user", Mac = "52:54:00:12:34:56" }],
        };
        var clone = VmEngine.CloneSpec(source, "web2", [new DiskSpec { Volume = "default/web2-root.qcow2", Serial = "ROOT1" }]);
        Assert.Equal(("vnc", (int?)null), (clone.Graphics.Type, clone.Graphics.Port));
        Assert.Null(clone.Uuid);
        Assert.Null(clone.Nics[0].Mac);
        Assert.Equal("ROOT1", clone.Disks[0].Serial);
        var note = Assert.Single(VmEngine.CloneNotes(source));
        Assert.Contains("graphics.port 5907 was not kept", note);

        // Nothing to say when the source had no fixed port.
        Assert.Empty(VmEngine.CloneNotes(source with { Graphics = new GraphicsSpec() }));
        Assert.Null(VmEngine.CloneSpec(source with { Graphics = new GraphicsSpec() }, "web3", []).Graphics.Port);
    }
}
