using Vireo.Contracts;

namespace Vireo.Core.Engine;

/// <summary>Changes of a VM's identity (name) and the stopped-VM operations of its clones.</summary>
internal sealed partial class VirtualMachine
{
    /// <summary>
    /// Runs <paramref name="operation"/> as this VM's only operation once <paramref name="action"/> is allowed
    /// (no start, snapshot or restore can slip in until it returns).
    /// </summary>
    public Task<T> ExclusiveAsync<T>(VmAction action, Func<Task<T>> operation, CancellationToken ct, string? intent = null) =>
        Serialised(action, operation, ct, intent);

    /// <summary>
    /// Takes a definition already written to the store (by a transaction that also changed other rows and grew
    /// the revision by one). Only for a VM without a QEMU process, which has no pending definition.
    /// </summary>
    public void TakeStoredSpec(VmSpec spec)
    {
        lock (_gate)
        {
            _spec = spec;
            _revision++;
        }
        PublishChanged("definition changed");
    }
}
