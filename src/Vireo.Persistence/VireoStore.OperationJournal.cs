namespace Vireo.Persistence;

/// <summary>An intent of the operation journal: a multi-step operation begun and not (yet) ended.</summary>
public sealed record OperationIntentRecord(string Id, string Kind, string Target, string? BodyJson, DateTimeOffset StartedAt);

public sealed partial class VireoStore
{
    /// <summary>Records that an operation begins; durable (synchronous=FULL) before its first step.</summary>
    public void InsertOperationIntent(OperationIntentRecord intent) =>
        Execute("INSERT INTO operation_journal (id, kind, target, body_json, started_at) VALUES ($id, $k, $t, $b, $at)",
            ("$id", intent.Id), ("$k", intent.Kind), ("$t", intent.Target), ("$b", intent.BodyJson), ("$at", Format(intent.StartedAt)));

    /// <summary>Forgets an intent: its operation ended (done, failed and undone, or recovered at start-up).</summary>
    public bool DeleteOperationIntent(string id) => Execute("DELETE FROM operation_journal WHERE id = $id", ("$id", id)) > 0;

    /// <summary>The intents left, oldest first.</summary>
    public IReadOnlyList<OperationIntentRecord> ListOperationIntents()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, kind, target, body_json, started_at FROM operation_journal ORDER BY started_at, id";
        var result = new List<OperationIntentRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            result.Add(new OperationIntentRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), Parse(reader.GetString(4))));
        return result;
    }

    /// <summary>SQLite's own check of the database file ("ok" when sound), for tests and <c>host check</c>.</summary>
    public string IntegrityCheck()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
