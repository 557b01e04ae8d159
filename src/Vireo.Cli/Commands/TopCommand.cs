using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Vireo.Cli.Options;
using Vireo.Cli.Output;
using Vireo.Cli.Terminal;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo top</c>: live CPU, memory, disk and network per VM, like virt-top.</summary>
internal static class TopCommand
{
    private const double MaxDelaySeconds = 3600;

    public static Command Create(CliApp app)
    {
        var delay = Opt.FractionalSeconds("--delay", "Seconds between updates, 0.1 to 3600 (fractions allowed, e.g. 0.5) [default: 3]",
            0.1, MaxDelaySeconds, 3, "-d");
        var iterations = Opt.Integer("--iterations", "Stop after N updates [default: run until q or Ctrl-C]", 1, int.MaxValue, "N", "updates",
            aliases: "-n");
        var sort = Opt.ChoiceWithDefault("--sort", "Order of the VMs: by %CPU, memory (RSS), disk or network rate (highest first), or name",
            "cpu", TopView.SortNames, "-s");
        var batch = Opt.Flag("--batch", "Print plain tables one after the other even on a terminal (what a pipe gets anyway)", "-b");
        var command = app.Docs.Create("top", "Show live CPU, memory, disk and network use per VM, like virt-top",
            """
            Every --delay seconds vireo asks vireod for every VM's counters (GET /v1/stats) and shows, for each VM
            with a QEMU process, the rates since the previous update:
              %CPU       CPU time of the VM's QEMU process (vCPUs, devices, emulation) as a share of all the
                         host's CPUs, as virt-top shows it: 100 means every host CPU was busy for this VM.
              MEM        QEMU's resident memory on the host / the guest's memory (the balloon's size when the VM
                         has a balloon, else the configured size). Under TCG the RSS includes the translation
                         cache, so it can exceed the guest's memory.
              DISK-RD/s, DISK-WR/s  bytes per second the guest read and wrote, all disks (QEMU's query-blockstats).
              NET-RX/s, NET-TX/s    bytes per second the guest received and sent, from its taps' counters. NICs
                         in user-mode networking have no tap and nothing counts their traffic: n/a when a VM has
                         only such NICs, a * when the figure leaves some out.
            Sizes are binary (K = 1024 bytes). The rates need two samples, so the first figures come after one
            delay. vireod reads the counters when asked and does nothing between requests.
            On a terminal the view is redrawn in place on the alternate screen (restored on exit) and follows the
            window's size; keys: q or Ctrl-C quits, c m d n N sort by cpu, mem, disk, net, name. Otherwise (a pipe,
            or --batch) each update prints one plain table after a blank line, like top -b; COLUMNS sets the
            width. With --iterations N it stops after N updates.
            For the counters themselves, per disk and NIC, see `vireo domstats`.
            """,
            "vireo top",
            "vireo top --delay 1 --sort disk",
            "vireo top -n 2 -d 1 | cat",
            "vireo top --batch --iterations 60 --delay 10 > load.log");
        command.Add(delay);
        command.Add(iterations);
        command.Add(sort);
        command.Add(batch);
        command.SetAction((parse, ct) => app.WithClientAsync(parse, ct, async client =>
        {
            var options = new Settings(
                TimeSpan.FromSeconds(parse.GetValue(delay)),
                parse.GetValue(iterations),
                TopView.ParseSort(parse.GetValue(sort)!));
            var env = app.Env;
            return env.StdoutIsTerminal && !parse.GetValue(batch)
                ? await RunFullScreenAsync(env, client, options, ct).ConfigureAwait(false)
                : await RunPlainAsync(env, client, options, ct).ConfigureAwait(false);
        }));
        return command;
    }

    private sealed record Settings(TimeSpan Delay, int? Iterations, TopSort Sort);

    /// <summary>One plain table per update after a blank line, like top -b.</summary>
    private static async Task<int> RunPlainAsync(CliEnvironment env, VireoClient client, Settings settings, CancellationToken ct)
    {
        var width = Width(env);
        var previous = await client.GetStatsAsync(ct).ConfigureAwait(false);
        for (var done = 0; settings.Iterations is not { } n || done < n; done++)
        {
            await Task.Delay(settings.Delay, ct).ConfigureAwait(false);
            var current = await client.GetStatsAsync(ct).ConfigureAwait(false);
            if (done > 0)
                env.Out.WriteLine();
            foreach (var line in TopView.Render(current, previous, settings.Sort, width))
                env.Out.WriteLine(line);
            previous = current;
        }
        return ExitCodes.Ok;
    }

    /// <summary>The live view: redrawn after each update, on a key that changes the order, and when the window is resized.</summary>
    private static async Task<int> RunFullScreenAsync(CliEnvironment env, VireoClient client, Settings settings, CancellationToken ct)
    {
        var current = await client.GetStatsAsync(ct).ConfigureAwait(false);
        StatsReport? previous = null;
        var sort = settings.Sort;
        using var screen = FullScreen.Enter(env.Out, 1, keys: env.StdinIsTerminal);
        void Draw()
        {
            var (columns, rows) = screen.Size();
            screen.Draw(TopView.Render(current, previous, sort, columns, rows, settings.Delay.TotalSeconds));
        }
        Draw();
        var done = 0;
        var next = DateTime.UtcNow + settings.Delay;
        while (settings.Iterations is not { } n || done < n)
        {
            var wait = next - DateTime.UtcNow;
            switch (screen.Wait(wait, ct, out var key))
            {
                case FullScreen.WaitResult.Resized:
                    Draw();
                    continue;
                case FullScreen.WaitResult.Key:
                    if (key is 'q' or 'Q' or '\x03' or '\x04')
                        return ExitCodes.Ok;
                    if (SortKey(key) is { } chosen)
                    {
                        sort = chosen;
                        Draw();
                    }
                    continue;
            }
            previous = current;
            current = await client.GetStatsAsync(ct).ConfigureAwait(false);
            next = DateTime.UtcNow + settings.Delay;
            Draw();
            done++;
        }
        return ExitCodes.Ok;
    }

    private static TopSort? SortKey(char key) => key switch
    {
        'c' or 'P' => TopSort.Cpu,
        'm' or 'M' => TopSort.Mem,
        'd' => TopSort.Disk,
        'n' => TopSort.Net,
        'N' => TopSort.Name,
        _ => null,
    };

    /// <summary>COLUMNS when set to a number, else the terminal's width (or, in a pipe, wide enough for any row).</summary>
    internal static int Width(CliEnvironment env) =>
        int.TryParse(env.GetVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0
            ? columns
            : env.Width;
}
