using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Vireo.Cli.Tests;

/// <summary>
/// Runs alone, after the other test classes: its fixture's publish keeps both CPUs busy for minutes, which would make
/// timing-sensitive tests around it flaky.
/// </summary>
[CollectionDefinition(nameof(NativeAotCollection), DisableParallelization = true)]
public sealed class NativeAotCollection;

/// <summary>The Native AOT executable users run: runtime messages are sentences, and the whole bad-value table.</summary>
[Collection(nameof(NativeAotCollection))]
public sealed partial class NativeAotTests(NativeAotBinary aot, ITestOutputHelper output) : FakeDaemonTest, IClassFixture<NativeAotBinary>
{
    private Task<CliResult> Run(string cwd, params string[] args) => BinaryRunner.RunAsync(aot.Path, [], args, Daemon.SocketPath, cwd);

    private void RequirePublished()
    {
        Assert.True(aot.Failure is null, aot.Failure);
        output.WriteLine($"the Native AOT publish took {aot.PublishTime.TotalSeconds:0} s (once for this class)");
    }

    [Fact]
    public async Task Runtime_messages_are_sentences_not_resource_keys()
    {
        RequirePublished();
        var cwd = Directory.CreateTempSubdirectory("vireo-aot-run-").FullName;
        try
        {
            var missing = await Run(cwd, "define", "/nonexistent/web1.yaml");
            Assert.Equal(2, missing.ExitCode);
            Assert.Equal("error: cannot read spec file /nonexistent/web1.yaml: no such directory: /nonexistent\n", missing.Stderr);

            var directory = await Run(cwd, "define", cwd);
            Assert.Equal($"error: cannot read spec file {cwd}: it is a directory, not a file\n", directory.Stderr);

            // A message the CLI does not word itself: the runtime's JSON error, inside the client's sentence.
            Daemon.Answer("GET /v1/vms/web1", 200, "{\"name\": 5}");
            var unreadable = await Run(cwd, "info", "web1");
            output.WriteLine(unreadable.Stderr);
            Assert.Equal(1, unreadable.ExitCode);
            Assert.StartsWith("error: vireod's answer to GET /v1/vms/web1 is not a VmInfo: The JSON value could not be converted", unreadable.Stderr);
            Assert.DoesNotMatch(ResourceKey(), unreadable.Stderr);

            var unreachable = await BinaryRunner.RunAsync(aot.Path, [], ["list"], "/nonexistent/vireod.sock", cwd);
            Assert.Equal(5, unreachable.ExitCode);
            Assert.StartsWith("error: vireod is not running at /nonexistent/vireod.sock", unreachable.Stderr);
            Assert.DoesNotMatch(ResourceKey(), unreachable.Stderr);
        }
        finally
        {
            Directory.Delete(cwd, recursive: true);
        }
    }

    [Fact]
    public async Task Every_command_of_the_native_binary_takes_the_bad_value_table()
    {
        RequirePublished();
        var cwd = Directory.CreateTempSubdirectory("vireo-aot-run-").FullName;
        try
        {
            var cases = BadValueTable.Cases();
            var failures = await BadValueTable.RunAsync(Daemon, args => Run(cwd, args), cases);
            output.WriteLine($"{cases.Count} cases");
            Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} failed:\n" + string.Join("\n", failures));
        }
        finally
        {
            Directory.Delete(cwd, recursive: true);
        }
    }

    [GeneratedRegex(@"\b[A-Za-z]+_[A-Z][a-z][A-Za-z]*(_[A-Za-z]+)*\b")]
    private static partial Regex ResourceKey();
}
