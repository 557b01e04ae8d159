using Vireo.Persistence;

namespace Vireo.Core.Operations;

/// <summary>
/// The operation journal (issue 18): <see cref="Begin"/> writes an intent row, durable, before a multi-step
/// operation changes anything; disposing it deletes the row when the operation ends, however it ends (its own
/// clean-up undid a failure). Only a vireod killed in between leaves a row, and the next vireod completes or rolls
/// back that operation and lists it as <c>completed</c> or <c>rolled-back</c> (VmEngine.Recovery.cs).
/// </summary>
public sealed class OperationJournal(VireoStore store)
{
    /// <summary>Records that <paramref name="kind"/> on <paramref name="target"/> begins; <paramref name="body"/> is what recovery needs (a uuid, a volume).</summary>
    public Intent Begin(string kind, string target, string? body = null)
    {
        var record = new OperationIntentRecord(Guid.NewGuid().ToString("N")[..16], kind, target, body, DateTimeOffset.UtcNow);
        store.InsertOperationIntent(record);
        return new Intent(store, record.Id);
    }

    /// <summary>An open intent; <see cref="Dispose"/> ends it.</summary>
    public sealed class Intent(VireoStore store, string id) : IDisposable
    {
        private int _ended;

        public string Id => id;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
                store.DeleteOperationIntent(id);
        }
    }
}
