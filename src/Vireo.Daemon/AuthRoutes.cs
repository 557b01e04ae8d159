using System.Globalization;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>Login for browsers, whoami, API tokens and the audit log (see docs/api.md, "Authentication").</summary>
internal static class AuthRoutes
{
    public static void MapAuthApi(this RouteGroupBuilder v1, AuthService auth)
    {
        v1.MapPost("/auth/login", async (HttpContext context, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(context.Request, VireoJsonContext.Default.LoginRequest, ct);
            var remote = context.Connection.RemoteIpAddress ?? System.Net.IPAddress.Loopback;
            var caller = auth.Authenticate(context, body.Token, remote, Source(context), viaCookie: false);
            context.Items[AuthService.CallerKey] = caller;
            context.Items[AuthService.TargetKey] = caller.Principal;
            var id = caller.Principal["token:".Length..];
            var expires = auth.List().FirstOrDefault(t => t.Id == id)?.ExpiresAt;
            context.Response.Cookies.Append(AuthService.CookieName, body.Token, new CookieOptions
            {
                HttpOnly = true,
                Secure = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                Expires = expires,
            });
            return caller.ToWhoAmI();
        });
        v1.MapPost("/auth/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(AuthService.CookieName, new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return Results.NoContent();
        });
        v1.MapGet("/auth/whoami", (HttpContext context) => Caller(context).ToWhoAmI());

        v1.MapPost("/tokens", async (HttpContext context, CancellationToken ct) =>
        {
            var request = await JsonBody.ReadAsync(context.Request, VireoJsonContext.Default.TokenCreateRequest, ct);
            var token = auth.Create(request);
            context.Items[AuthService.TargetKey] = $"token:{token.Id}";
            return Results.Json(token, VireoJsonContext.Default.TokenInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/tokens", () => auth.List());
        v1.MapDelete("/tokens/{id}", (string id) => auth.Revoke(id));

        v1.MapGet("/audit", (string? limit, string? principal) =>
        {
            var n = 100;
            if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1 || n > 10_000))
                throw new InvalidInputException($"invalid query parameter: limit: \"{limit}\" is not a number from 1 to 10000",
                    [new FieldError { Field = "limit", Value = limit, Message = "is not a number from 1 to 10000" }]);
            return auth.ListAudit(n, string.IsNullOrEmpty(principal) ? null : principal);
        });
    }

    private static Caller Caller(HttpContext context) =>
        context.Items[AuthService.CallerKey] as Caller ?? throw new UnauthorizedException("this request carries no credentials");

    private static string Source(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } ip
            ? new System.Net.IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, context.Connection.RemotePort).ToString()
            : "unix";
}
