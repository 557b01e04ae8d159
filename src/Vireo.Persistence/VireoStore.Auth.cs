using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

public sealed partial class VireoStore
{
    private const string TokenColumns = "id, hash, role, description, created, expires, last_used, revoked";

    /// <summary>Stores a new token (its id must be new).</summary>
    public void InsertToken(TokenRecord token) =>
        Execute("INSERT INTO tokens (id, hash, role, description, created, expires) VALUES ($id, $hash, $role, $desc, $created, $expires)",
            ("$id", token.Id), ("$hash", token.Hash), ("$role", token.Role), ("$desc", token.Description),
            ("$created", Format(token.Created)), ("$expires", token.Expires is { } e ? Format(e) : null));

    /// <summary>The token with this id, or null.</summary>
    public TokenRecord? FindToken(string id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {TokenColumns} FROM tokens WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return ReadTokens(command).SingleOrDefault();
    }

    /// <summary>Every token, oldest first.</summary>
    public IReadOnlyList<TokenRecord> ListTokens()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {TokenColumns} FROM tokens ORDER BY created, id";
        return ReadTokens(command);
    }

    /// <summary>Marks a token revoked (kept, for the audit log's sake); false when no token has this id.</summary>
    public bool RevokeToken(string id, DateTimeOffset when) =>
        Execute("UPDATE tokens SET revoked = COALESCE(revoked, $when) WHERE id = $id", ("$id", id), ("$when", Format(when))) > 0;

    /// <summary>Records that a token was used.</summary>
    public void TouchToken(string id, DateTimeOffset when) =>
        Execute("UPDATE tokens SET last_used = $when WHERE id = $id", ("$id", id), ("$when", Format(when)));

    private static List<TokenRecord> ReadTokens(SqliteCommand command)
    {
        var result = new List<TokenRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : Parse(reader.GetString(i));
            result.Add(new TokenRecord
            {
                Id = reader.GetString(0),
                Hash = reader.GetString(1),
                Role = reader.GetString(2),
                Description = reader.IsDBNull(3) ? null : reader.GetString(3),
                Created = Parse(reader.GetString(4)),
                Expires = Time(5),
                LastUsed = Time(6),
                Revoked = Time(7),
            });
        }
        return result;
    }

    /// <summary>
    /// Appends an audit row and, every so often, drops the oldest rows beyond <paramref name="keep"/>; returns its id.
    /// </summary>
    public long InsertAudit(AuditRecord row, int keep = 100_000)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = """
            INSERT INTO audit (time, principal, role, source, method, path, target, status)
            VALUES ($time, $principal, $role, $source, $method, $path, $target, $status);
            SELECT last_insert_rowid();
            """;
        command.Parameters.AddWithValue("$time", Format(row.Time));
        command.Parameters.AddWithValue("$principal", row.Principal);
        command.Parameters.AddWithValue("$role", (object?)row.Role ?? DBNull.Value);
        command.Parameters.AddWithValue("$source", row.Source);
        command.Parameters.AddWithValue("$method", row.Method);
        command.Parameters.AddWithValue("$path", row.Path);
        command.Parameters.AddWithValue("$target", (object?)row.Target ?? DBNull.Value);
        command.Parameters.AddWithValue("$status", row.Status);
        var id = (long)command.ExecuteScalar()!;
        // Pruning once per 1% of the bound keeps each insert cheap and the table within 1% of it.
        if (id % Math.Max(1, keep / 100) == 0)
            Run(connection, tx, "DELETE FROM audit WHERE id <= $limit", ("$limit", id - keep));
        tx.Commit();
        return id;
    }

    /// <summary>The newest <paramref name="limit"/> audit rows (of <paramref name="principal"/> when given), newest first.</summary>
    public IReadOnlyList<AuditRecord> ListAudit(int limit, string? principal = null)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, time, principal, role, source, method, path, target, status FROM audit"
            + (principal is null ? "" : " WHERE principal = $principal") + " ORDER BY id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        if (principal is not null)
            command.Parameters.AddWithValue("$principal", principal);
        var result = new List<AuditRecord>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result.Add(new AuditRecord
            {
                Id = reader.GetInt64(0),
                Time = Parse(reader.GetString(1)),
                Principal = reader.GetString(2),
                Role = reader.IsDBNull(3) ? null : reader.GetString(3),
                Source = reader.GetString(4),
                Method = reader.GetString(5),
                Path = reader.GetString(6),
                Target = reader.IsDBNull(7) ? null : reader.GetString(7),
                Status = reader.GetInt32(8),
            });
        }
        return result;
    }
}
