using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

/// <summary>
/// The daemon's embedded database (SQLite, one file in the state directory).
/// Every mutation is one transaction; WAL with synchronous=FULL means a kill -9 (or power loss) at any moment
/// leaves either the old or the new row, never a torn one.
/// </summary>
public sealed partial class VireoStore : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _keepAlive;

    private VireoStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        // Holding one connection open keeps the WAL index mapped, so later opens are cheap.
        _keepAlive = Open();
    }

    /// <summary>Path of the database file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating and migrating if needed) the database at <paramref name="path"/>.</summary>
    public static VireoStore Open(string path)
    {
        try
        {
            var store = new VireoStore(path);
            Migrations.Apply(store._keepAlive);
            return store;
        }
        catch (SqliteException e)
        {
            throw new StoreUnavailableException($"cannot open the Vireo database {path}: {e.Message}", e);
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>All VMs, ordered by name.</summary>
    public IReadOnlyList<VmRecord> ListVms()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM vms ORDER BY name";
        return ReadAll(command);
    }

    /// <summary>The VM with this name, or null.</summary>
    public VmRecord? FindVm(string name)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM vms WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        return ReadAll(command).SingleOrDefault();
    }

    /// <summary>Inserts a new VM; throws <see cref="DuplicateVmException"/> when the name or UUID is taken.</summary>
    public void InsertVm(VmRecord vm)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        InsertVm(connection, tx, vm);
        tx.Commit();
    }

    private static void InsertVm(SqliteConnection connection, SqliteTransaction tx, VmRecord vm)
    {
        if (Exists(connection, tx, "name", vm.Name))
            throw new DuplicateVmException("name", vm.Name);
        if (Exists(connection, tx, "uuid", vm.Uuid))
            throw new DuplicateVmException("uuid", vm.Uuid);
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = """
            INSERT INTO vms (uuid, name, spec_json, state, reason, defined_at, updated_at,
                             pid, pid_start_ticks, accel, started_at, vnc_port)
            VALUES ($uuid, $name, $spec, $state, $reason, $defined, $updated,
                    $pid, $ticks, $accel, $started, $vnc)
            """;
        Bind(command, vm);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Renames a VM in one transaction with everything that names it: its row and definition, its port forwards
    /// and its DHCP reservations (snapshots are keyed by UUID). Throws <see cref="DuplicateVmException"/> when
    /// <paramref name="newName"/> is taken; false when no VM has that UUID. Nothing is written on failure.
    /// </summary>
    public bool RenameVm(string uuid, string newName, string specJson, string? pendingSpecJson = null)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        if (Scalar(connection, tx, "SELECT name FROM vms WHERE uuid = $uuid", ("$uuid", uuid)) is not string oldName)
            return false;
        if (Exists(connection, tx, "name", newName))
            throw new DuplicateVmException("name", newName);
        // Rows naming a VM that does not exist are leftovers (of an undefine interrupted before its cleanup).
        Run(connection, tx, "DELETE FROM port_forwards WHERE vm = $new", ("$new", newName));
        Run(connection, tx, "DELETE FROM dhcp_reservations WHERE vm = $new", ("$new", newName));
        Run(connection, tx, "UPDATE vms SET name = $new, spec_json = $spec, pending_spec_json = $pending, revision = revision + 1, updated_at = $now WHERE uuid = $uuid",
            ("$new", newName), ("$spec", specJson), ("$pending", pendingSpecJson), ("$now", Now()), ("$uuid", uuid));
        Run(connection, tx, "UPDATE port_forwards SET vm = $new WHERE vm = $old", ("$new", newName), ("$old", oldName));
        Run(connection, tx, "UPDATE dhcp_reservations SET vm = $new WHERE vm = $old", ("$new", newName), ("$old", oldName));
        tx.Commit();
        return true;
    }

    /// <summary>Replaces the stored definition of an existing VM (matched by UUID), keeping its pending one; the revision grows.</summary>
    public void UpdateSpec(string uuid, string specJson)
    {
        Execute("UPDATE vms SET spec_json = $spec, revision = revision + 1, updated_at = $now WHERE uuid = $uuid",
            ("$spec", specJson), ("$uuid", uuid), ("$now", Now()));
    }

    /// <summary>
    /// Replaces a VM's definition and its pending one (null: none) in one write, only if its revision is still
    /// <paramref name="expectedRevision"/>; returns the new revision, or null when the revision had moved on (nothing
    /// written). <paramref name="bump"/> false keeps the revision (a pending definition taking effect at a start).
    /// </summary>
    public long? SaveDefinition(string uuid, long expectedRevision, string specJson, string? pendingSpecJson, bool bump = true)
    {
        var next = bump ? expectedRevision + 1 : expectedRevision;
        var rows = Execute("""
            UPDATE vms SET spec_json = $spec, pending_spec_json = $pending, revision = $next, updated_at = $now
            WHERE uuid = $uuid AND revision = $expected
            """,
            ("$spec", specJson), ("$pending", pendingSpecJson), ("$next", next), ("$expected", expectedRevision),
            ("$uuid", uuid), ("$now", Now()));
        return rows == 1 ? next : null;
    }

    /// <summary>The stored revision of a VM's definition, or null when no VM has that UUID.</summary>
    public long? Revision(string uuid)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        return Scalar(connection, tx, "SELECT revision FROM vms WHERE uuid = $uuid", ("$uuid", uuid)) is long revision ? revision : null;
    }

    /// <summary>Records a VM's state and, when it has a QEMU process, that process's identity.</summary>
    public void UpdateState(string uuid, string state, string? reason, VmRuntimeRecord? runtime)
    {
        Execute("""
            UPDATE vms SET state = $state, reason = $reason, updated_at = $now,
                pid = $pid, pid_start_ticks = $ticks, accel = $accel, started_at = $started, vnc_port = $vnc
            WHERE uuid = $uuid
            """,
            ("$state", state), ("$reason", reason), ("$now", Now()), ("$uuid", uuid),
            ("$pid", runtime?.Pid), ("$ticks", runtime?.PidStartTicks), ("$accel", runtime?.Accel),
            ("$started", runtime is null ? null : Format(runtime.StartedAt)), ("$vnc", runtime?.VncPort));
    }

    /// <summary>Deletes a VM; returns false when it did not exist.</summary>
    public bool DeleteVm(string uuid) => Execute("DELETE FROM vms WHERE uuid = $uuid", ("$uuid", uuid)) > 0;

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var rows = command.ExecuteNonQuery();
        tx.Commit();
        return rows;
    }

    private static bool Exists(SqliteConnection connection, SqliteTransaction tx, string column, string value)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"SELECT 1 FROM vms WHERE {column} = $v";
        command.Parameters.AddWithValue("$v", value);
        return command.ExecuteScalar() is not null;
    }

    private const string Columns =
        "uuid, name, spec_json, state, reason, defined_at, updated_at, pid, pid_start_ticks, accel, started_at, vnc_port, revision, pending_spec_json";

    private static List<VmRecord> ReadAll(SqliteCommand command)
    {
        var result = new List<VmRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            VmRuntimeRecord? runtime = reader.IsDBNull(7) ? null : new VmRuntimeRecord
            {
                Pid = reader.GetInt32(7),
                PidStartTicks = reader.IsDBNull(8) ? 0 : reader.GetInt64(8),
                Accel = reader.IsDBNull(9) ? "unknown" : reader.GetString(9),
                StartedAt = reader.IsDBNull(10) ? default : Parse(reader.GetString(10)),
                VncPort = reader.IsDBNull(11) ? null : reader.GetInt32(11),
            };
            result.Add(new VmRecord
            {
                Uuid = reader.GetString(0),
                Name = reader.GetString(1),
                SpecJson = reader.GetString(2),
                State = reader.GetString(3),
                Reason = reader.IsDBNull(4) ? null : reader.GetString(4),
                DefinedAt = Parse(reader.GetString(5)),
                UpdatedAt = Parse(reader.GetString(6)),
                Runtime = runtime,
                Revision = reader.GetInt64(12),
                PendingSpecJson = reader.IsDBNull(13) ? null : reader.GetString(13),
            });
        }
        return result;
    }

    private static void Bind(SqliteCommand command, VmRecord vm)
    {
        command.Parameters.AddWithValue("$uuid", vm.Uuid);
        command.Parameters.AddWithValue("$name", vm.Name);
        command.Parameters.AddWithValue("$spec", vm.SpecJson);
        command.Parameters.AddWithValue("$state", vm.State);
        command.Parameters.AddWithValue("$reason", (object?)vm.Reason ?? DBNull.Value);
        command.Parameters.AddWithValue("$defined", Format(vm.DefinedAt));
        command.Parameters.AddWithValue("$updated", Format(vm.UpdatedAt));
        command.Parameters.AddWithValue("$pid", (object?)vm.Runtime?.Pid ?? DBNull.Value);
        command.Parameters.AddWithValue("$ticks", (object?)vm.Runtime?.PidStartTicks ?? DBNull.Value);
        command.Parameters.AddWithValue("$accel", (object?)vm.Runtime?.Accel ?? DBNull.Value);
        command.Parameters.AddWithValue("$started", vm.Runtime is null ? DBNull.Value : Format(vm.Runtime.StartedAt));
        command.Parameters.AddWithValue("$vnc", (object?)vm.Runtime?.VncPort ?? DBNull.Value);
    }

    private static string Now() => Format(DateTimeOffset.UtcNow);
    private static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    /// <inheritdoc />
    public void Dispose() => _keepAlive.Dispose();
}
