using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo token create|list|revoke</c>: the bearer tokens of vireod's TCP (TLS) listener.</summary>
internal static class TokenCommand
{
    public static Command Create(CliApp app)
    {
        var token = app.Docs.Create("token", "Manage API tokens for remote access",
            """
            vireod's TCP listener (vireod --listen, over TLS only) serves callers that present a token, as a bearer
            header or, for the web UI, a cookie set by logging in. Each token has a role: viewer (reads only), operator
            (runs VMs and their disks, snapshots, volumes, images and consoles, but manages neither tokens, the audit
            log, networks nor host networking) or admin (everything). vireod keeps only a hash of each token: it is shown
            once, when it is created. Callers on the Unix socket (root and the vireo group) need no token: they are admins.
            """,
            "vireo token create --role viewer --expires 90d --description 'grafana'",
            "vireo token list",
            "vireo token revoke 1e171557a5122ef3");
        token.Add(CreateToken(app));
        token.Add(List(app));
        token.Add(Revoke(app));
        return token;
    }

    private static Command CreateToken(CliApp app)
    {
        var role = Opt.Choice("--role", "What the token may do: admin, operator or viewer", Roles.Admin, Roles.Operator, Roles.Viewer);
        role.Required = true;
        var expires = Lifetime("--expires", "How long it is valid, e.g. 90d, 12h, 30m, 2w, 1y (default: until revoked)");
        var description = Opt.Text("--description", "What it is for (shown by vireo token list)", "TEXT");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("create", "Create a token and print it",
            """
            Prints the new token (vireo_ID_SECRET) on stdout: keep it, it is not shown again. With -o json:
            {"token": ...} and the rest of the API's TokenInfo. Give it to a client as the header
            "Authorization: Bearer TOKEN", or paste it into the web UI's login page.
            """,
            "vireo token create --role operator --expires 30d --description 'ci runner'",
            "TOKEN=$(vireo token create --role viewer -o json | jq -r .token)");
        command.Add(role);
        command.Add(expires);
        command.Add(description);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var created = await client.CreateTokenAsync(new TokenCreateRequest
            {
                Role = parse.GetValue(role)!,
                ExpiresIn = parse.GetValue(expires),
                Description = parse.GetValue(description),
            }, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, created, VireoJsonContext.Default.TokenInfo);
                return ExitCodes.Ok;
            }
            app.Env.Out.WriteLine(created.Token);
            app.Env.Error.WriteLine($"token {created.Id} ({created.Role}) " +
                (created.ExpiresAt is { } e ? $"expires {Display.Time(e)}" : "does not expire") + "; it is not shown again");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List tokens",
            "Every token, revoked and expired ones too, oldest first; never the secrets. With -o json: the API's TokenInfo array.",
            "vireo token list", "vireo token list -o json | jq -r '.[] | select(.revoked_at == null) | .id'");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var tokens = await client.ListTokensAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, tokens.ToList(), VireoJsonContext.Default.ListTokenInfo);
                return ExitCodes.Ok;
            }
            var now = DateTimeOffset.UtcNow;
            var table = new PlainTable().Column("ID").Column("ROLE").Column("STATE").Column("CREATED").Column("EXPIRES").Column("LAST USED")
                .Column("DESCRIPTION", wraps: true);
            foreach (var t in tokens)
            {
                var state = t.RevokedAt is not null ? "revoked" : t.ExpiresAt is { } e && e <= now ? "expired" : "valid";
                table.Row(t.Id, t.Role, state, Display.Time(t.CreatedAt), t.ExpiresAt is { } x ? Display.Time(x) : "never",
                    t.LastUsedAt is { } u ? Display.Time(u) : "never", t.Description ?? "");
            }
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Revoke(CliApp app)
    {
        var id = Arg.Name("ID", "The token's id (vireo token list shows them)");
        var command = app.Docs.Create("revoke", "Revoke a token",
            "The token stops working at once, for every client and web session that uses it. It stays listed, as revoked.",
            "vireo token revoke 1e171557a5122ef3");
        command.Add(id);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var revoked = await client.RevokeTokenAsync(parse.GetValue(id)!, ct).ConfigureAwait(false);
            app.Env.Out.WriteLine($"Token {revoked.Id} ({revoked.Role}) revoked");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A token lifetime, checked while parsing like every other value.</summary>
    private static TypedOption<string?> Lifetime(string name, string description)
    {
        static string? Check(string text)
        {
            try
            {
                return TokenLifetime.Parse(text) is null ? $"is not {TokenLifetime.Form}" : null;
            }
            catch (FormatException e)
            {
                return e.Message;
            }
        }
        var syntax = new ValueSyntax(ValueKind.Text, TokenLifetime.Form, Check);
        return new TypedOption<string?>(name, [], syntax)
        {
            Description = description,
            HelpName = "DURATION",
            CustomParser = ParserGlue.One<string?>(name, (string text, out string? value) =>
            {
                value = text;
                return Check(text);
            }),
        };
    }
}
