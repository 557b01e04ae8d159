using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

/// <summary>
/// Schema migrations, applied in order inside one transaction each. The schema version lives in SQLite's
/// user_version so that an interrupted migration is simply re-run.
/// </summary>
internal static class Migrations
{
    private static readonly string[] Steps =
    [
        // 1: VMs with their definition and last known state.
        """
        CREATE TABLE vms (
            uuid            TEXT PRIMARY KEY,
            name            TEXT NOT NULL UNIQUE,
            spec_json       TEXT NOT NULL,
            state           TEXT NOT NULL,
            reason          TEXT,
            defined_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            pid             INTEGER,
            pid_start_ticks INTEGER,
            accel           TEXT,
            started_at      TEXT,
            vnc_port        INTEGER
        );
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => Steps.Length;

    public static void Apply(SqliteConnection connection)
    {
        var current = UserVersion(connection);
        if (current > Latest)
            throw new StoreUnavailableException(
                $"the database was written by a newer Vireo (schema {current}, this build knows {Latest}); upgrade vireod");
        for (var version = current; version < Latest; version++)
        {
            using var tx = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = Steps[version] + $"\nPRAGMA user_version = {version + 1};";
            command.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
