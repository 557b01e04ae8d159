namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Set once undefined: operations queued behind the undefine find the VM gone.</summary>
    private bool _removed;

    /// <summary>
    /// Runs <paramref name="remove"/> (the engine's deletion of row and files) as this VM's operation, after
    /// checking that it may be undefined, so no start can slip in between the check and the removal.
    /// </summary>
    public Task UndefineAsync(Action remove, CancellationToken ct) =>
        Serialised(VmAction.Undefine, () =>
        {
            remove();
            _removed = true;
            return Task.FromResult(true);
        }, ct);
}
