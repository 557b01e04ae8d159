using Vireo.Contracts;

namespace Vireo.Daemon;

/// <summary>
/// The one table of who may call what over TCP: the first rule whose method class and path prefix match gives the
/// least role needed. Paths match segment by segment, case-insensitively (as routing does), <c>*</c> matching any one
/// segment. Anything no other rule names needs admin for a change, so a new route is safe until someone opens it.
/// Unix-socket callers are admins and pass every rule.
/// </summary>
internal static class AccessPolicy
{
    /// <summary>Anyone, authenticated or not (the login itself, and the web UI's own files).</summary>
    public const string Anyone = "anyone";

    /// <summary>Which methods a rule covers.</summary>
    public enum Methods
    {
        /// <summary>GET, HEAD, OPTIONS.</summary>
        Safe,
        /// <summary>POST, PUT, PATCH, DELETE and any other.</summary>
        Unsafe,
        Any,
    }

    public sealed record Rule(Methods Methods, string Prefix, string Role)
    {
        public string[] Segments { get; } = Split(Prefix);
    }

    public static readonly IReadOnlyList<Rule> Rules =
    [
        new(Methods.Any, "/v1/auth/login", Anyone),
        new(Methods.Any, "/v1/auth/logout", Anyone),
        new(Methods.Any, "/v1/tokens", Roles.Admin),
        new(Methods.Any, "/v1/audit", Roles.Admin),
        // Consoles type into the guest: not for viewers.
        new(Methods.Safe, "/v1/vms/*/console", Roles.Operator),
        new(Methods.Safe, "/v1/vms/*/vnc", Roles.Operator),
        // A disk's bytes may hold secrets (keys, password hashes): downloading one is not for viewers.
        new(Methods.Safe, "/v1/pools/*/volumes/*/content", Roles.Operator),
        new(Methods.Safe, "/v1", Roles.Viewer),
        new(Methods.Safe, "/metrics", Roles.Viewer),
        new(Methods.Unsafe, "/v1/vms", Roles.Operator),
        new(Methods.Unsafe, "/v1/pools", Roles.Operator),
        new(Methods.Unsafe, "/v1/volumes", Roles.Operator),
        new(Methods.Unsafe, "/v1/images", Roles.Operator),
        new(Methods.Unsafe, "/v1/operations", Roles.Operator),
        new(Methods.Unsafe, "/v1/backups", Roles.Operator),
        new(Methods.Unsafe, "/v1/import", Roles.Operator),
        new(Methods.Unsafe, "/v1/networks", Roles.Admin),
        new(Methods.Unsafe, "/v1/forwards", Roles.Admin),
        new(Methods.Unsafe, "/v1/host", Roles.Admin),
        // The web UI's files (and its SPA routes) outside /v1: the login page must load without a token.
        new(Methods.Safe, "/", Anyone),
        new(Methods.Any, "/", Roles.Admin),
    ];

    public static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    /// <summary>The least role (or <see cref="Anyone"/>) for <paramref name="method"/> on <paramref name="path"/>.</summary>
    public static string Required(string method, string path)
    {
        var safe = IsSafe(method);
        var segments = Split(path);
        foreach (var rule in Rules)
        {
            if (rule.Methods == Methods.Safe && !safe || rule.Methods == Methods.Unsafe && safe)
                continue;
            if (Matches(rule.Segments, segments))
                return rule.Role;
        }
        return Roles.Admin;
    }

    /// <summary>Whether <paramref name="role"/> may do what needs <paramref name="required"/>.</summary>
    public static bool Allows(string role, string required) =>
        required == Anyone || Roles.Rank(role) >= Roles.Rank(required) && Roles.Rank(role) >= 0;

    private static bool Matches(string[] prefix, string[] path)
    {
        if (path.Length < prefix.Length)
            return false;
        for (var i = 0; i < prefix.Length; i++)
        {
            if (prefix[i] != "*" && !string.Equals(prefix[i], path[i], StringComparison.OrdinalIgnoreCase))
                return false;
        }
        return true;
    }

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);
}
