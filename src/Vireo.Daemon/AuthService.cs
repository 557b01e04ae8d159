using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections.Features;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Persistence;

namespace Vireo.Daemon;

/// <summary>Who made a request: set by <see cref="AuthMiddleware"/> on every request it lets through.</summary>
internal sealed record Caller(string Principal, string Role, string Source, bool ViaCookie)
{
    public WhoAmI ToWhoAmI() => new() { Principal = Principal, Role = Role, Source = Source };
}

/// <summary>Tokens (create, list, revoke, check), the failed-login throttle and the audit log, over the store.</summary>
internal sealed class AuthService(VireoStore store, TimeProvider time, ILogger log)
{
    public const string CookieName = "vireo_token";
    /// <summary>HttpContext.Items key: who presented a refused token (anonymous when it names none).</summary>
    public const string RefusedKey = "vireo.refused";
    /// <summary>HttpContext.Items key: the <see cref="Caller"/> of the request.</summary>
    public const string CallerKey = "vireo.caller";
    /// <summary>HttpContext.Items key: what a handler says it acted on, for the audit row (e.g. token:ID).</summary>
    public const string TargetKey = "vireo.target";
    private const int MaxDescription = 200;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastTouched = new();
    private readonly ConcurrentDictionary<uint, string> _userNames = new();

    public LoginThrottle Throttle { get; } = new(time);
    public TimeProvider Time => time;

    public TokenInfo Create(TokenCreateRequest request)
    {
        var errors = new List<FieldError>();
        if (Roles.Rank(request.Role) < 0)
            errors.Add(new FieldError { Field = "role", Value = request.Role, Message = "is not a role: admin, operator or viewer", Hint = "Give admin, operator or viewer." });
        TimeSpan? lifetime = null;
        try
        {
            lifetime = ApiTokens.ParseLifetime(request.ExpiresIn);
        }
        catch (FormatException e)
        {
            errors.Add(new FieldError { Field = "expires_in", Value = request.ExpiresIn, Message = e.Message });
        }
        // Format characters too: a right-to-left override or a zero-width joiner would make `vireo token list`
        // show something other than what is stored.
        if (request.Description is { } d && (d.Length > MaxDescription || d.Any(c => char.IsControl(c)
                || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)))
            errors.Add(new FieldError { Field = "description", Value = d.Length > 40 ? d[..40] + "..." : d, Message = $"must be at most {MaxDescription} characters, without control or invisible formatting characters" });
        if (errors.Count > 0)
            throw InvalidInputException.For("token", errors);
        var now = Truncate(time.GetUtcNow());
        var (id, secret, token) = ApiTokens.Generate();
        var record = new TokenRecord
        {
            Id = id,
            Hash = ApiTokens.Hash(secret),
            Role = request.Role,
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description,
            Created = now,
            Expires = lifetime is { } l ? now + l : null,
        };
        store.InsertToken(record);
        log.LogInformation("token {Id} created with role {Role}", id, record.Role);
        return ToInfo(record) with { Token = token };
    }

    public IReadOnlyList<TokenInfo> List() => store.ListTokens().Select(ToInfo).ToList();

    public TokenInfo Revoke(string id)
    {
        if (!store.RevokeToken(id, Truncate(time.GetUtcNow())))
            throw new NotFoundException("token", id, "List the tokens: vireo token list");
        log.LogInformation("token {Id} revoked", id);
        return ToInfo(store.FindToken(id)!);
    }

    /// <summary>
    /// The caller a presented token stands for; else a 401 saying why (or a 429 past the failed-login limit), the
    /// failure counted against <paramref name="remote"/>.
    /// </summary>
    public Caller Authenticate(HttpContext context, string token, IPAddress remote, string source, bool viaCookie)
    {
        var now = time.GetUtcNow();
        string? problem = null;
        TokenRecord? record = null;
        if (!ApiTokens.TryParse(token, out var id, out var secret))
            problem = "the token is malformed (a token looks like vireo_ID_SECRET)";
        else if ((record = store.FindToken(id)) is null || !ApiTokens.Matches(secret, record.Hash))
            problem = "the token is not valid";
        else if (record.Revoked is { } revoked)
            problem = $"the token {id} was revoked at {revoked:u}";
        else if (record.Expires is { } expires && expires <= now)
            problem = $"the token {id} expired at {expires:u}";
        if (problem is null)
        {
            // last_used to the minute: one write per token per minute, not one per request.
            if (!_lastTouched.TryGetValue(id, out var touched) || now - touched >= TimeSpan.FromMinutes(1))
            {
                _lastTouched[id] = now;
                store.TouchToken(id, Truncate(now));
            }
            return new Caller($"token:{id}", record!.Role, source, viaCookie);
        }
        var wait = Throttle.Fail(remote);
        // The audit row is written by AuthMiddleware, with the status answered.
        context.Items[RefusedKey] = record is not null ? $"token:{id}" : "anonymous";
        if (wait is { } w)
        {
            var seconds = (int)Math.Ceiling(w.TotalSeconds);
            throw new RateLimitedException($"too many failed logins from {remote}: {Throttle.Limit} in {Throttle.Window.TotalSeconds:0} s; try again in {seconds} s", seconds);
        }
        throw new UnauthorizedException(problem!) { Hint = "Create a token on the host: vireo token create --role viewer" };
    }

    /// <summary>The caller on the Unix socket: its user from the socket's peer credentials (SO_PEERCRED).</summary>
    public Caller UnixCaller(HttpContext context)
    {
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is { AddressFamily: AddressFamily.Unix })
        {
            Span<byte> cred = stackalloc byte[12];
            try
            {
                // struct ucred { pid_t pid; uid_t uid; gid_t gid; }: SOL_SOCKET = 1, SO_PEERCRED = 17.
                if (socket.GetRawSocketOption(1, 17, cred) == 12)
                {
                    var uid = BitConverter.ToUInt32(cred[4..8]);
                    return new Caller($"unix:{uid}({UserName(uid)})", Roles.Admin, "unix", false);
                }
            }
            catch (SocketException)
            {
            }
        }
        return new Caller("unix", Roles.Admin, "unix", false);
    }

    private string UserName(uint uid) => _userNames.GetOrAdd(uid, u =>
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var f = line.Split(':');
                if (f.Length > 2 && f[2] == u.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    return f[0];
            }
        }
        catch (IOException)
        {
        }
        return "?";
    });

    public void Audit(AuditRecord row)
    {
        try
        {
            store.InsertAudit(row);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            log.LogError(e, "cannot write the audit log");
        }
    }

    public IReadOnlyList<AuditEntry> ListAudit(int limit, string? principal) =>
        store.ListAudit(limit, principal).Select(r => new AuditEntry
        {
            Id = r.Id, Time = r.Time, Principal = r.Principal, Role = r.Role, Source = r.Source, Method = r.Method,
            Path = r.Path, Target = r.Target, Status = r.Status,
        }).ToList();

    private static TokenInfo ToInfo(TokenRecord r) => new()
    {
        Id = r.Id,
        Role = r.Role,
        Description = r.Description,
        CreatedAt = r.Created,
        ExpiresAt = r.Expires,
        LastUsedAt = r.LastUsed,
        RevokedAt = r.Revoked,
    };

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
