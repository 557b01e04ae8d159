using System.CommandLine;
using Vireo.Cli.Output;

namespace Vireo.Cli.Tests;

public sealed class HelpAndProgressTests
{
    public static TheoryData<string> EveryCommand()
    {
        var data = new TheoryData<string>();
        var root = new CliApp(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null)).BuildRoot();
        foreach (var command in root.Subcommands)
        {
            data.Add(command.Name);
            foreach (var sub in command.Subcommands)
                data.Add(command.Name + " " + sub.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Every_command_help_has_summary_details_examples_and_exit_codes(string command)
    {
        var result = await CliRunner.RunAsync(null, [.. command.Split(' '), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Description:", result.Stdout);
        Assert.Contains("Details:", result.Stdout);
        Assert.Contains("Examples:\n  vireo " + command.Split(' ')[0], result.Stdout);
        Assert.Contains("Exit status:\n  0    success\n", result.Stdout);
        // A group names no codes of its own beyond usage; each command lists what it can return (ExitStatusTableTests).
        Assert.Contains(result.Stdout.Contains("Commands:", StringComparison.Ordinal) ? "SUBCOMMAND --help" : "1    ", result.Stdout);
    }

    [Fact]
    public async Task Root_help_lists_every_exit_code()
    {
        var result = await CliRunner.RunAsync(null, ["--help"]);
        foreach (string code in new[] { "0    success", "1    the operation failed", "2    invalid usage", "3    the object the command acts on does not exist", "4    conflict", "5    cannot reach vireod" })
            Assert.Contains(code, result.Stdout);
    }

    [Fact]
    public async Task Plain_progress_prints_one_line_per_new_percent()
    {
        var output = new StringWriter();
        var reporter = new PlainProgressReporter(output);

        int answer = await reporter.RunAsync("Downloading image", (progress, _) =>
        {
            foreach (double f in new[] { 0.0, 0.004, 0.42, 0.421, 0.3, 0.999 })
                progress.Report(f);
            return Task.FromResult(7);
        }, CancellationToken.None);

        Assert.Equal(7, answer);
        Assert.Equal("Downloading image...\nprogress: 0%\nprogress: 42%\nprogress: 99%\nprogress: 100%\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Redirected_stderr_gets_plain_progress()
    {
        var env = new CliEnvironment(Stream.Null, Stream.Null, Stream.Null) { StderrIsTerminal = false };
        Assert.IsType<PlainProgressReporter>(ProgressReporter.Create(env));
        Assert.IsType<BarProgressReporter>(ProgressReporter.Create(new CliEnvironment(Stream.Null, Stream.Null, Stream.Null) { StderrIsTerminal = true }));
    }
}
