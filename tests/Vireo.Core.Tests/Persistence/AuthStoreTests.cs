using Vireo.Persistence;

namespace Vireo.Core.Tests.Persistence;

/// <summary>Tokens and the audit log in the store (schema 11).</summary>
public sealed class AuthStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vireo-auth-store-").FullName;

    private VireoStore Open() => VireoStore.Open(Path.Combine(_dir, "vireo.db"));

    [Fact]
    public void A_token_is_kept_with_its_hash_revoked_once_and_touched()
    {
        using var store = Open();
        var created = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        store.InsertToken(new TokenRecord { Id = "0123456789abcdef", Hash = "ab", Role = "viewer", Description = "d", Created = created, Expires = created.AddDays(1) });
        var found = store.FindToken("0123456789abcdef")!;
        Assert.Equal(("ab", "viewer", "d", created, created.AddDays(1), (DateTimeOffset?)null), (found.Hash, found.Role, found.Description, found.Created, found.Expires, found.Revoked));
        Assert.True(store.RevokeToken("0123456789abcdef", created.AddHours(1)));
        Assert.True(store.RevokeToken("0123456789abcdef", created.AddHours(2)));
        Assert.Equal(created.AddHours(1), store.FindToken("0123456789abcdef")!.Revoked);
        Assert.False(store.RevokeToken("ffffffffffffffff", created));
        store.TouchToken("0123456789abcdef", created.AddHours(3));
        Assert.Equal(created.AddHours(3), Assert.Single(store.ListTokens()).LastUsed);
        Assert.Null(store.FindToken("ffffffffffffffff"));
    }

    [Fact]
    public void The_audit_log_lists_newest_first_filters_by_principal_and_keeps_only_the_newest_rows()
    {
        using var store = Open();
        for (var i = 1; i <= 250; i++)
        {
            store.InsertAudit(new AuditRecord
            {
                Time = DateTimeOffset.UnixEpoch.AddSeconds(i), Principal = i % 2 == 0 ? "unix:0(root)" : "token:x", Role = "admin",
                Source = "unix", Method = "POST", Path = $"/v1/vms/v{i}/start", Target = $"vm:v{i}", Status = 200,
            }, keep: 100);
        }
        var newest = store.ListAudit(1000);
        // Pruned every keep/100 rows: between keep and keep + keep/100 rows remain, the newest.
        Assert.InRange(newest.Count, 100, 101);
        Assert.Equal("/v1/vms/v250/start", newest[0].Path);
        Assert.True(newest.Zip(newest.Skip(1)).All(p => p.First.Id > p.Second.Id));
        var mine = store.ListAudit(5, "token:x");
        Assert.Equal(5, mine.Count);
        Assert.All(mine, r => Assert.Equal("token:x", r.Principal));
        Assert.Equal("/v1/vms/v249/start", mine[0].Path);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
