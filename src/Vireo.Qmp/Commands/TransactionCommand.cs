using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>One action of a <see cref="TransactionCommand"/>: its QAPI type and its arguments.</summary>
/// <param name="Type">Action type as QEMU spells it, e.g. <c>blockdev-backup</c>, <c>block-dirty-bitmap-add</c>,
/// <c>blockdev-snapshot-internal-sync</c>.</param>
/// <param name="Data">The action's arguments (what the stand-alone command would take).</param>
public sealed record TransactionAction(string Type, JsonObject Data)
{
    /// <summary>The wire form <c>{"type": ..., "data": {...}}</c>.</summary>
    public JsonObject ToJson() => new() { ["type"] = Type, ["data"] = Data.DeepClone() };
}

/// <summary>
/// <c>transaction</c>: runs several block actions atomically at one point in time (all succeed or none has an
/// effect), e.g. a backup of every disk of a VM together with the dirty bitmaps that the next incremental backup
/// starts from.
/// </summary>
/// <param name="Actions">The actions, in order; at least one.</param>
public sealed record TransactionCommand(IReadOnlyList<TransactionAction> Actions) : QmpEmptyCommand("transaction")
{
    /// <summary>
    /// <c>completion-mode: grouped</c>: the block jobs the transaction starts succeed or fail together (if one
    /// fails, the others are cancelled). Needed when the jobs' results only make sense as a set.
    /// </summary>
    public bool Grouped { get; init; }

    /// <inheritdoc />
    public override JsonObject? BuildArguments()
    {
        if (Actions.Count == 0)
            throw new ArgumentException("A transaction needs at least one action.", nameof(Actions));
        var args = new JsonObject { ["actions"] = new JsonArray(Actions.Select(a => (JsonNode)a.ToJson()).ToArray()) };
        if (Grouped)
            args["properties"] = new JsonObject { ["completion-mode"] = "grouped" };
        return args;
    }
}
