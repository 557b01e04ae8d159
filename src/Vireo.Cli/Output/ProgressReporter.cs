using Spectre.Console;

namespace Vireo.Cli.Output;

/// <summary>
/// Shows the progress of a long operation: a Spectre progress bar on a terminal, plain <c>progress: 42%</c> lines
/// when stderr is redirected (logs, CI). Progress goes to stderr so that stdout stays data.
/// </summary>
internal abstract class ProgressReporter
{
    public static ProgressReporter Create(CliEnvironment env) =>
        env.StderrIsTerminal ? new BarProgressReporter(env.CreateErrorConsole()) : new PlainProgressReporter(env.Error);

    /// <summary>Runs <paramref name="work"/>, which reports a fraction between 0 and 1.</summary>
    public abstract Task<T> RunAsync<T>(string description, Func<IProgress<double>, CancellationToken, Task<T>> work,
        CancellationToken ct);
}

internal sealed class BarProgressReporter(IAnsiConsole console) : ProgressReporter
{
    public override Task<T> RunAsync<T>(string description, Func<IProgress<double>, CancellationToken, Task<T>> work,
        CancellationToken ct) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: 1.0);
                var result = await work(new Progress<double>(f => task.Value = Math.Clamp(f, 0, 1)), ct).ConfigureAwait(false);
                task.Value = 1.0;
                return result;
            });
}

internal sealed class PlainProgressReporter(TextWriter output) : ProgressReporter
{
    public override async Task<T> RunAsync<T>(string description, Func<IProgress<double>, CancellationToken, Task<T>> work,
        CancellationToken ct)
    {
        output.WriteLine(description + "...");
        var sink = new LineSink(output);
        var result = await work(sink, ct).ConfigureAwait(false);
        sink.Report(1.0);
        return result;
    }

    /// <summary>Synchronous (not <see cref="Progress{T}"/>) so that lines come out in order; one line per percent.</summary>
    internal sealed class LineSink(TextWriter output) : IProgress<double>
    {
        private int _last = -1;

        public void Report(double value)
        {
            int percent = (int)Math.Floor(Math.Clamp(value, 0, 1) * 100);
            lock (output)
            {
                if (percent <= _last)
                    return;
                _last = percent;
                output.WriteLine($"progress: {percent}%");
            }
        }
    }
}
