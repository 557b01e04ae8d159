namespace Vireo.Cli.Tests;

/// <summary>Base for tests that need a fresh <see cref="FakeDaemon"/> each (started and removed around every test).</summary>
public abstract class FakeDaemonTest : IAsyncLifetime
{
    protected FakeDaemon Daemon { get; private set; } = null!;

    public async Task InitializeAsync() => Daemon = await FakeDaemon.StartAsync();

    public async Task DisposeAsync() => await Daemon.DisposeAsync();

    protected Task<CliResult> Vireo(params string[] args) => CliRunner.RunAsync(Daemon.SocketPath, args);

    protected Task<CliResult> VireoWithStdin(string stdin, params string[] args) => CliRunner.RunAsync(Daemon.SocketPath, args, stdin);

    /// <summary>Requests other than the ones the test expects to be harmless.</summary>
    protected List<RecordedRequest> Sent() => Daemon.Requests.ToList();
}
