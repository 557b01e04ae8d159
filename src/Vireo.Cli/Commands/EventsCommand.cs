using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo events [--vm NAME] [--type T] [--output json]</c>.</summary>
internal static class EventsCommand
{
    /// <summary>The types and prefixes --type takes.</summary>
    internal static readonly string[] Types =
    [
        "vm", "vm.state", "vm.defined", "vm.undefined", "vm.changed", "operation", "operation.progress", "operation.done",
        "network", "network.changed", "storage", "storage.changed", "host", "host.alert",
    ];

    public static Command Create(CliApp app)
    {
        var vm = Opt.Name("--vm", "Only this VM's events");
        var type = Opt.Choice("--type", "Only events of this type, or of the types it starts: vm, operation, network, storage, host, or a whole type (vm.state, operation.done, host.alert...)", Types);
        type.HelpName = "TYPE";
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("events", "Print vireod's events live",
            """
            Prints what happens on this host as it happens, one line per event, until Ctrl-C: VMs changing state
            (vm.state), being defined, undefined or changed (vm.defined, vm.undefined, vm.changed), long operations
            moving on and ending (operation.progress, operation.done), networks and storage changing
            (network.changed, storage.changed), and alerts that need attention (host.alert: a VM crashed, a pool is
            nearly full, no KVM acceleration). Nothing is printed for what happened before the command started.
            With --output json, each event is the API's JSON object on one line (GET /v1/events).
            If vireod drops the stream because this command read too slowly, an overflow line says so and the
            command reconnects; if vireod stops, it exits with status 5.
            """,
            "vireo events",
            "vireo events --vm web1",
            "vireo events --type operation -o json");
        command.Add(vm);
        command.Add(type);
        command.Add(output);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var json = parse.GetValue(output) == OutputFormat.Json;
            var typeInfo = (JsonTypeInfo<VireoEvent>)new JsonSerializerOptions(VireoJsonContext.Default.Options)
            {
                WriteIndented = false,
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            }.GetTypeInfo(typeof(VireoEvent));
            while (true)
            {
                var overflowed = false;
                await foreach (var e in client.WatchEventsAsync(parse.GetValue(vm), parse.GetValue(type), null, ct).ConfigureAwait(false))
                {
                    app.Env.Out.WriteLine(json ? JsonSerializer.Serialize(e, typeInfo) : Line(e));
                    app.Env.Out.Flush();
                    overflowed |= e.Type == EventTypes.Overflow;
                }
                if (!overflowed)
                    break;
            }
            app.Env.Error.WriteLine("error: vireod ended the event stream (it is stopping)");
            return ExitCodes.Unreachable;
        }));
        return command;
    }

    /// <summary>One event for people: local time, type, what it concerns, then state, progress and message.</summary>
    internal static string Line(VireoEvent e)
    {
        var parts = new List<string> { e.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture), e.Type.PadRight(18) };
        var subject = e.Vm is { } v ? $"vm {v}" : e.Network is { } n ? $"network {n}" : e.Pool is { } p ? $"pool {p}" : null;
        if (e.Operation is { } op)
            subject = subject is null ? $"operation {op}" : $"{subject} operation {op}";
        if (subject is not null)
            parts.Add(subject);
        if (e.State is { } state)
            parts.Add(state);
        if (e.Progress is { } progress && e.Type.StartsWith("operation", StringComparison.Ordinal))
            parts.Add(progress.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", "", StringComparison.Ordinal));
        if (e.Message is { } message)
            parts.Add(e.Type == EventTypes.VmState ? $"({message})" : message);
        return string.Join("  ", parts);
    }
}
