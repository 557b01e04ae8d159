using System.CommandLine;
using Vireo.Cli.Options;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo logs NAME [-f] [--tail N]</c>.</summary>
internal static class LogsCommand
{
    public static Command Create(CliApp app)
    {
        var name = VmArgument.Create();
        var follow = Opt.Flag("--follow", "Keep printing new output until Ctrl-C", "-f");
        var tail = Opt.Integer("--tail", "Only the last N lines", 0, int.MaxValue, "N", "lines", aliases: "-n");
        var command = app.Docs.Create("logs", "Print a VM's serial console log",
            """
            Prints what the guest wrote to its serial console (ttyS0), which vireod records for every VM whether
            or not anyone is attached — boot messages included. With --follow, keeps streaming new output (like
            `tail -f`) until Ctrl-C. The log is read-only; use `vireo console` to type into the guest.
            """,
            "vireo logs web1",
            "vireo logs web1 --tail 50",
            "vireo logs web1 -f");
        command.Add(name);
        command.Add(follow);
        command.Add(tail);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            await using var log = await client.GetLogsAsync(parse.GetValue(name)!, parse.GetValue(follow), parse.GetValue(tail), ct)
                .ConfigureAwait(false);
            app.Env.Out.Flush();
            var buffer = new byte[16 * 1024];
            int n;
            // Copy chunk by chunk with a flush each time: followed output must appear as it arrives.
            while ((n = await log.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await app.Env.Stdout.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                await app.Env.Stdout.FlushAsync(ct).ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
