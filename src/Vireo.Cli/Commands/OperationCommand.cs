using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>
/// <c>vireo operation list|show|wait|cancel</c>: the long operations vireod runs (volume import, convert and clone,
/// VM clone, backup, restore), like <c>incus operation</c>; what a command started with --no-wait hands over.
/// </summary>
internal static class OperationCommand
{
    public static Command Create(CliApp app)
    {
        var operation = app.Docs.Create("operation", "Follow and cancel long operations",
            """
            Volume import, convert and clone, VM clones, backups and restores run in vireod as operations, like
            Incus operations and libvirt's jobs: they go on if the command that started them goes away, report
            progress, and can be cancelled, which removes anything partial. A command given --no-wait prints the operation's id and
            returns; these commands follow it from there. Finished operations are kept for about ten minutes.
            """,
            "vireo operation list",
            "vireo operation wait 3f2a9c0d51e84b7a",
            "vireo operation cancel 3f2a9c0d51e84b7a",
            "vireo vol convert default/big.qcow2 default/big.raw --format raw --no-wait");
        operation.Add(List(app));
        operation.Add(Show(app));
        operation.Add(Wait(app));
        operation.Add(Cancel(app));
        return operation;
    }

    private static Argument<string> IdArgument() => Arg.Name("ID", "The operation's id (vireo operation list shows them)");

    private static Command List(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("list", "List running and recently finished operations",
            "Every operation that runs or ended in the last ten minutes, oldest first. With -o json: the API's OperationInfo array.",
            "vireo operation list", "vireo operation list -o json | jq -r '.[] | select(.status == \"running\") | .id'");
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var operations = await client.ListOperationsAsync(ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, operations.ToList(), VireoJsonContext.Default.ListOperationInfo);
                return ExitCodes.Ok;
            }
            var table = new PlainTable().Column("ID").Column("KIND").Column("TARGET", wraps: true).Column("STATUS")
                .Column("PROGRESS", right: true).Column("STARTED");
            foreach (var o in operations)
                table.Row(o.Id, o.Kind, o.Target, StatusCell(o), Percent(o.Progress), Display.Time(o.StartedAt));
            table.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliApp app)
    {
        var id = IdArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("show", "Show one operation",
            "Its kind, target, status, progress, times, and its error or what it made. With -o json: the API's OperationInfo.",
            "vireo operation show 3f2a9c0d51e84b7a");
        command.Add(id);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var o = await client.GetOperationAsync(parse.GetValue(id)!, 0, ct).ConfigureAwait(false);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                OutputFormat.WriteJson(app.Env, o, VireoJsonContext.Default.OperationInfo);
                return ExitCodes.Ok;
            }
            var grid = new DetailList();
            void Row(string key, Cell value) => grid.Row(key, value);
            Row("Id", o.Id);
            Row("Kind", o.Kind);
            Row("Target", o.Target);
            Row("Status", StatusCell(o) is var status && o.CancelRequested && o.Status == OperationStatus.Running
                ? status with { Text = status.Text + " (cancel requested)" } : status);
            Row("Progress", Percent(o.Progress));
            Row("Started", Display.Time(o.StartedAt));
            Row("Ended", o.EndedAt is { } ended ? Display.Time(ended) : "-");
            if (o.Error is { } error)
                Row("Error", error.Detail ?? error.Title ?? error.Code);
            if (VireoClient.VolumeResult(o) is { } volume)
                Row("Made", $"volume {volume.Volume} ({volume.Format}, {StorageText.Bytes(volume.VirtualSizeBytes)})");
            grid.Write(app.Env.CreateOutConsole());
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Wait(CliApp app)
    {
        var id = IdArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("wait", "Wait for an operation to end, showing its progress",
            """
            Follows the operation to its end with a progress bar and exits 0 if it succeeded; if it failed, prints its
            error and exits as the command that started it would have. Ctrl-C stops waiting and leaves the operation
            running (`vireo operation cancel ID` stops it). With -o json: the final OperationInfo.
            """,
            "vireo operation wait 3f2a9c0d51e84b7a");
        command.Add(id);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var current = await client.GetOperationAsync(parse.GetValue(id)!, 0, ct).ConfigureAwait(false);
            current = await ProgressReporter.Create(app.Env).RunAsync($"Waiting for {current.Kind} {current.Target}",
                (progress, token) => client.FollowOperationAsync(current, progress, token), ct).ConfigureAwait(false);
            return Ended(app, current, parse.GetValue(output) == OutputFormat.Json);
        }));
        return command;
    }

    private static Command Cancel(CliApp app)
    {
        var id = IdArgument();
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("cancel", "Cancel a running operation",
            """
            Like `virsh domjobabort`: asks vireod to stop the operation and waits (up to 30 s) until it has removed
            whatever it had written. An operation that already ended is left as it is and reported.
            With -o json: the final OperationInfo.
            """,
            "vireo operation cancel 3f2a9c0d51e84b7a");
        command.Add(id);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var o = await client.CancelOperationAndWaitAsync(parse.GetValue(id)!, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            return Ended(app, o, parse.GetValue(output) == OutputFormat.Json);
        }));
        return command;
    }

    /// <summary>What a command given --no-wait prints: the operation (JSON), or its id and how to follow it.</summary>
    internal static int Started(CliApp app, OperationInfo operation, bool json)
    {
        if (json)
            OutputFormat.WriteJson(app.Env, operation, VireoJsonContext.Default.OperationInfo);
        else
            app.Env.Out.WriteLine($"Operation {operation.Id} started ({operation.Kind} {operation.Target}); follow it with `vireo operation wait {operation.Id}`");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Follows an operation a command started, with a progress bar; Ctrl-C cancels it on vireod, waits until it has
    /// cleaned up, and says so (<paramref name="leftBehind"/>: what the cancellation removed).
    /// </summary>
    internal static async Task<OperationInfo> FollowAsync(CliApp app, VireoClient client, OperationInfo operation, string description,
        string leftBehind, CancellationToken ct)
    {
        try
        {
            return await ProgressReporter.Create(app.Env).RunAsync(description,
                (progress, token) => client.WaitForOperationAsync(operation, progress, token), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            app.Env.Error.WriteLine($"cancelled: operation {operation.Id} stopped; {leftBehind}");
            throw;
        }
    }

    /// <summary>Reports how an operation ended; the exit status says whether it succeeded (or was cancelled on request).</summary>
    private static int Ended(CliApp app, OperationInfo o, bool json)
    {
        if (json)
            OutputFormat.WriteJson(app.Env, o, VireoJsonContext.Default.OperationInfo);
        var what = $"Operation {o.Id} ({o.Kind} {o.Target})";
        switch (o.Status)
        {
            case OperationStatus.Succeeded:
                if (!json)
                    app.Env.Out.WriteLine($"{what} succeeded" + ResultText(o));
                return ExitCodes.Ok;
            case OperationStatus.Cancelled:
                if (!json)
                    app.Env.Out.WriteLine($"{what} cancelled; nothing partial was left");
                return ExitCodes.Ok;
            case OperationStatus.Failed:
                // Printed and coded as the command that started it would have (not found 3, conflict 4...).
                var error = o.Error ?? new ApiError { Code = ErrorCodes.Internal, Title = "no error recorded" };
                ErrorPrinter.WriteApiError(app.Env.Error, error with { Detail = $"{what} failed: {error.Detail ?? error.Title}" });
                return ExitCodes.ForApiError(error.Code);
            default:
                app.Env.Error.WriteLine($"error: {what} is still running after 30 s (cancel requested)");
                return ExitCodes.Failed;
        }
    }

    /// <summary>What a finished operation made, as the end of a sentence: a lifecycle action's state, a volume.</summary>
    private static string ResultText(OperationInfo o)
    {
        try
        {
            if (o.Kind is "vm-start" or "vm-shutdown" or "vm-destroy" or "vm-reboot" or "vm-reset" or "vm-suspend" or "vm-resume")
                return o.Result is { } node && System.Text.Json.JsonSerializer.Deserialize(node, VireoJsonContext.Default.ActionResult) is { } a
                    ? $": VM '{a.Name}' now {Display.State(a.State)}" + (a.Message is null ? "" : $" ({a.Message})")
                    : "";
            return VireoClient.VolumeResult(o) is { } v ? $": volume {v.Volume} ({v.Format}, {StorageText.Bytes(v.VirtualSizeBytes)})" : "";
        }
        catch (System.Text.Json.JsonException)
        {
            // Another kind's result (a backup, a clone): the operation's JSON (--output json) has it.
            return "";
        }
    }

    private static Cell StatusCell(OperationInfo o) => o.Status switch
    {
        OperationStatus.Running => new("running", "yellow"),
        OperationStatus.Succeeded => new("succeeded", "green"),
        OperationStatus.Failed => new("failed", "red"),
        OperationStatus.RolledBack => new("rolled-back", "yellow"),
        OperationStatus.Completed => new("completed", "green"),
        _ => new("cancelled"),
    };

    private static string Percent(double fraction) => (fraction * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
}
