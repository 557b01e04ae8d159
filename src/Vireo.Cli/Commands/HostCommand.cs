using System.CommandLine;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo host check</c>.</summary>
internal static class HostCommand
{
    public static Command Create(CliApp app)
    {
        var host = app.Docs.Create("host", "Inspect the host vireod runs on",
            "Commands about the host rather than a VM.", "vireo host check");
        var output = OutputFormat.CreateOption();
        var local = Opt.Flag("--local", "Check this machine directly instead of asking vireod (also what happens when vireod is not running).");
        var stateDir = Opt.Path("--state-dir", "State directory to check for a local check (default: $VIREO_STATE_DIR or /var/lib/vireo).", "DIR");
        var check = app.Docs.Create("check", "Check that the host can run VMs",
            """
            Like `virt-host-validate`: vireod checks what Vireo needs (QEMU, /dev/kvm, the state directory, tools)
            and reports each item as PASS, WARN (works, with a limitation, e.g. no KVM so VMs run under slow TCG
            emulation) or FAIL (Vireo cannot run VMs until fixed), with a one-line fix.
            When vireod is not reachable (e.g. before it is installed), or with --local, the CLI runs the same checks
            on this machine itself.
            Exit status 1 when any item FAILs, 0 otherwise (warnings included).
            """,
            "vireo host check",
            "vireo host check -o json | jq '.checks[] | select(.status != \"pass\")'");
        check.Add(output);
        check.Add(local);
        check.Add(stateDir);
        check.SetAction((parse, ct) => app.GuardAsync(ct, async () =>
        {
            var report = await CheckAsync(app, parse, parse.GetValue(local), parse.GetValue(stateDir), ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, report, VireoJsonContext.Default.HostCheckReport);
            }
            else
            {
                var console = app.Env.CreateOutConsole();
                WriteChecks(app.Env, console, report.Checks);
                console.WriteLine();
                console.WriteLine($"{report.Passed} passed, {Plural(report.Warnings, "warning")}, {report.Failures} failed; " +
                                  $"accelerator: {Display.Accel(report.Accel, null)}");
            }
            return report.Failures > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        }));
        host.Add(check);
        host.Add(Info(app));
        return host;
    }

    private static Command Info(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("info", "Show vireod's host: version, QEMU, accelerator, remote access",
            """
            vireod's version, the host's name, CPUs and memory, QEMU and the accelerator VMs get, the VM counts, and
            remote access: the TCP addresses the API is served on over TLS and the SHA-256 fingerprint of its
            certificate, which a remote client can compare with what it is shown on first use. With -o json: the API's
            HostInfo.
            """,
            "vireo host info", "vireo host info -o json | jq -r .tls_fingerprint");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var info = await client.GetHostAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, info, VireoJsonContext.Default.HostInfo);
                return ExitCodes.Ok;
            }
            var grid = new DetailList();
            grid.Row("Hostname", info.Hostname);
            grid.Row("vireod", info.Version);
            grid.Row("QEMU", info.QemuVersion is null ? "-" : $"{info.QemuVersion} ({info.Emulator})");
            grid.Row("Accelerator", Display.Accel(info.Accel, info.AccelWarning));
            grid.Row("CPUs", info.HostCpus.ToString(System.Globalization.CultureInfo.InvariantCulture));
            grid.Row("Memory", Display.Memory(info.HostMemory));
            grid.Row("VMs", $"{info.Vms} defined, {info.ActiveVms} running");
            grid.Row("State dir", info.StateDir);
            grid.Row("Listen (TLS)", info.Listen.Count == 0 ? "none (Unix socket only)" : string.Join(", ", info.Listen));
            if (info.TlsFingerprint is { } fingerprint)
                grid.Row("TLS SHA-256", fingerprint);
            grid.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Asks vireod, or checks this machine directly when asked to or when vireod is unreachable.</summary>
    private static async Task<HostCheckReport> CheckAsync(CliApp app, ParseResult parse, bool local, string? stateDir, CancellationToken ct)
    {
        if (!local)
        {
            try
            {
                using var client = new Vireo.Client.VireoClient(app.SocketPath(parse));
                return await client.HostCheckAsync(ct).ConfigureAwait(false);
            }
            catch (Vireo.Client.VireoConnectionException e)
            {
                app.Env.Error.WriteLine($"note: {e.Endpoint} does not answer, so this machine is checked directly");
            }
        }
        var dir = stateDir ?? app.Env.GetVariable("VIREO_STATE_DIR") ?? Vireo.Host.HostEnvironment.DefaultStateDir;
        return await Vireo.Host.HostChecker.ForThisHost(Path.GetFullPath(dir)).RunAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One row per check: in a rounded table on a terminal at least 60 columns wide; otherwise (a pipe, a narrow
    /// terminal) as plain text without box drawing.
    /// </summary>
    internal static void WriteChecks(CliEnvironment env, IAnsiConsole console, IReadOnlyList<HostCheckItem> checks)
    {
        if (env.StdoutIsTerminal && console.Profile.Width >= 60)
        {
            console.Write(RenderChecks(checks));
            return;
        }
        var table = new PlainTable().Column("STATUS").Column("CHECK").Column("DETAIL", wraps: true).Column("FIX", wraps: true);
        foreach (var item in checks)
            table.Row(StatusCell(item.Status), item.Title, item.Detail, item.Fix ?? "");
        table.Write(console);
    }

    private static Table RenderChecks(IReadOnlyList<HostCheckItem> checks)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("STATUS");
        table.AddColumn("CHECK");
        table.AddColumn("DETAIL");
        table.AddColumn("FIX");
        foreach (var item in checks)
        {
            table.AddRow(Status(item.Status), Markup.Escape(item.Title), Markup.Escape(item.Detail),
                Markup.Escape(item.Fix ?? ""));
        }
        return table;
    }

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";

    private static string Status(CheckStatus status) => StatusCell(status) is var cell ? $"[{cell.Style}]{cell.Text}[/]" : "";

    private static Cell StatusCell(CheckStatus status) => status switch
    {
        CheckStatus.Pass => new("PASS", "green"),
        CheckStatus.Warn => new("WARN", "yellow"),
        _ => new("FAIL", "red bold"),
    };
}
