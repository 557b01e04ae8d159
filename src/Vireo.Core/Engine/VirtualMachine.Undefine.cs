namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Checks, under the VM's operation lock, that it may be undefined; the engine then removes it.</summary>
    public Task UndefineAsync(CancellationToken ct) =>
        Serialised(VmAction.Undefine, () => Task.FromResult(true), ct);
}
