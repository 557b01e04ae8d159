using System.Net;
using Vireo.Contracts;
using Vireo.Persistence;

namespace Vireo.Daemon;

/// <summary>
/// Who is calling, whether they may, and the audit row. Unix-socket callers are admins (the socket is 0660, root
/// and the vireo group). TCP (TLS) callers present a token: <c>Authorization: Bearer</c>, or the <c>vireo_token</c>
/// cookie, whose unsafe requests must carry <c>X-Vireo-Csrf: 1</c> and whose WebSocket upgrades must come from the
/// page's own origin. <see cref="AccessPolicy"/> decides the role needed. Runs inside ApiErrorMiddleware: failures
/// are thrown and become problem bodies there.
/// </summary>
internal sealed class AuthMiddleware(RequestDelegate next, AuthService auth)
{
    public const string CsrfHeader = "X-Vireo-Csrf";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var method = request.Method;
        var path = request.Path.Value ?? "/";
        var remote = context.Connection.RemoteIpAddress;
        var tcp = request.IsHttps || remote is not null;
        var source = tcp ? Source(remote, context.Connection.RemotePort) : "unix";
        Caller? caller = null;
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            var required = AccessPolicy.Required(method, path);
            if (!tcp)
            {
                caller = auth.UnixCaller(context);
            }
            else if (required == AccessPolicy.Anyone)
            {
                // The login page and the login itself: a stale cookie must not lock its owner out of them.
            }
            else if (Credential(request, out var viaCookie) is { } token)
            {
                caller = auth.Authenticate(context, token, remote ?? IPAddress.None, source, viaCookie);
            }
            else
            {
                throw new UnauthorizedException("this request needs a token: send it in the Authorization header as Bearer TOKEN, or log in first")
                { Hint = "Create a token on the host: vireo token create --role viewer" };
            }
            if (caller is not null)
            {
                context.Items[AuthService.CallerKey] = caller;
                if (caller.ViaCookie)
                    CheckCookieRules(context, method);
                if (!AccessPolicy.Allows(caller.Role, required))
                    throw new ForbiddenException($"the role {caller.Role} may not {method} {path}; it needs {required}")
                    { Hint = "Ask an admin for a token with that role" };
            }
            await next(context);
            status = context.Response.StatusCode;
        }
        catch (Exception e)
        {
            status = ErrorMapping.ToApiError(e).Status;
            throw;
        }
        finally
        {
            var refused = context.Items[AuthService.RefusedKey] as string;
            if (refused is not null || !AccessPolicy.IsSafe(method) || IsConsole(path))
            {
                auth.Audit(new AuditRecord
                {
                    Time = auth.Time.GetUtcNow(),
                    Principal = caller?.Principal ?? refused ?? "anonymous",
                    Role = caller?.Role,
                    Source = source,
                    Method = method,
                    Path = path,
                    Target = context.Items[AuthService.TargetKey] as string ?? Target(path),
                    Status = status,
                });
            }
        }
    }

    /// <summary>The bearer token, else the cookie; null when neither is there.</summary>
    private static string? Credential(HttpRequest request, out bool viaCookie)
    {
        viaCookie = false;
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : header;
        if (request.Cookies.TryGetValue(AuthService.CookieName, out var cookie) && cookie.Length > 0)
        {
            viaCookie = true;
            return cookie;
        }
        return null;
    }

    /// <summary>A browser's cookie is sent by any page: changes need a header no other origin can set, sockets our origin.</summary>
    private static void CheckCookieRules(HttpContext context, string method)
    {
        if (context.WebSockets.IsWebSocketRequest)
        {
            var origin = context.Request.Headers.Origin.ToString();
            var own = $"{context.Request.Scheme}://{context.Request.Host}";
            if (!string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
                throw new ForbiddenException($"a WebSocket authenticated by cookie must come from {own}, not from \"{origin}\"");
        }
        else if (!AccessPolicy.IsSafe(method) && context.Request.Headers[CsrfHeader].ToString() != "1")
        {
            throw new ForbiddenException($"a change authenticated by cookie must carry the header {CsrfHeader}: 1");
        }
    }

    private static bool IsConsole(string path) =>
        path.EndsWith("/console", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/vnc", StringComparison.OrdinalIgnoreCase);

    private static string Source(IPAddress? address, int port)
    {
        if (address is null)
            return "tcp";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return new IPEndPoint(address, port).ToString();
    }

    /// <summary>What a path acts on: <c>vm:web1</c>, <c>volume:default/a.qcow2</c>, <c>network:default</c>...</summary>
    internal static string? Target(string path)
    {
        var s = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (s.Length < 3 || !s[0].Equals("v1", StringComparison.OrdinalIgnoreCase))
            return null;
        var kind = s[1].ToLowerInvariant() switch
        {
            "vms" => "vm",
            "networks" => "network",
            "pools" => "pool",
            "tokens" => "token",
            "operations" => "operation",
            "images" => "image",
            "backups" => "backup",
            var other => other,
        };
        if (kind == "pool" && s.Length >= 5 && s[3].Equals("volumes", StringComparison.OrdinalIgnoreCase))
            return $"volume:{s[2]}/{s[4]}";
        return $"{kind}:{s[2]}";
    }
}
