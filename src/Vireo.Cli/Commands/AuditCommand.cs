using System.CommandLine;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo audit</c>: who changed what, when, from where, and the result.</summary>
internal static class AuditCommand
{
    public static Command Create(CliApp app)
    {
        var limit = Opt.Integer("--limit", "How many rows, newest first (default 50)", 1, 10_000);
        var principal = Opt.Text("--principal", "Only this caller's rows, e.g. token:1e171557a5122ef3 or unix:0(root)", "WHO");
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("audit", "Show the audit log",
            """
            vireod records every change (every POST, PUT, PATCH and DELETE, on the socket and over TCP, allowed or
            refused), every console opened, and every refused token: the time, who (unix:UID(NAME) or token:ID), their
            role, from where (unix, or the caller's IP:PORT), the method and path, what it acted on, and the HTTP status
            answered. The newest 100,000 rows are kept. With -o json: the API's AuditEntry array.
            """,
            "vireo audit",
            "vireo audit --limit 500 --principal token:1e171557a5122ef3",
            "vireo audit -o json | jq '.[] | select(.status >= 400)'");
        command.Add(limit);
        command.Add(principal);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var rows = await client.ListAuditAsync(parse.GetValue(limit) ?? 50, parse.GetValue(principal), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, rows.ToList(), VireoJsonContext.Default.ListAuditEntry);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("TIME").Column("WHO").Column("ROLE").Column("FROM").Column("REQUEST", wraps: true)
                .Column("TARGET").Column("STATUS", right: true);
            foreach (var r in rows)
                table.Row(Display.Time(r.Time), r.Principal, r.Role ?? "-", r.Source, $"{r.Method} {r.Path}", r.Target ?? "-",
                    r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }
}
