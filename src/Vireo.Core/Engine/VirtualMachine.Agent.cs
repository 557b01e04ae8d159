using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Qmp.Qga;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Default seconds a guest command may run (<c>vireo exec</c> without --timeout).</summary>
    public const int DefaultExecTimeoutSeconds = 60;

    /// <summary>Most bytes given to a guest command's standard input.</summary>
    public const int MaxExecInputBytes = 1024 * 1024;

    /// <summary>How long one agent command may take (exec itself waits longer, by polling).</summary>
    internal static readonly TimeSpan AgentCallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One agent connection at a time per VM: qemu-ga handles one command at a time and its channel has no
    /// sessions, so calls are serialised. Separate from <see cref="_ops"/>: an agent call never blocks lifecycle
    /// operations, and a stalled agent costs only the calls waiting for it their timeouts.
    /// </summary>
    private readonly SemaphoreSlim _agent = new(1, 1);

    /// <summary>
    /// Connects to the guest agent (on demand, through the chardev socket QEMU serves), synchronises, runs
    /// <paramref name="call"/> and disconnects, all within <paramref name="timeout"/> (waiting for another agent
    /// call of this VM included).
    /// </summary>
    internal async Task<T> WithAgentAsync<T>(string what, Func<QgaClient, CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken ct,
        TimeSpan? syncTimeout = null)
    {
        lock (_gate)
        {
            if (_session is null || _state is not (VmState.Running or VmState.ShuttingDown))
                throw new InvalidStateException($"VM \"{Name}\" is {VmStateMachine.Describe(_state)}, so its guest agent cannot answer")
                {
                    Hint = _session is null ? $"Start it first: vireo start {Name}" : $"Resume it first: vireo resume {Name}",
                };
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await _agent.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw AgentTimeout(what, timeout, "another call to it was still waiting for an answer");
        }
        try
        {
            var options = new QgaClientOptions
            {
                // An agent that does not answer the sync is usually absent: most calls give up on it in 3 s.
                ConnectTimeout = syncTimeout ?? (timeout < QgaClientOptions.Default.ConnectTimeout ? timeout : QgaClientOptions.Default.ConnectTimeout),
                CommandTimeout = timeout,
            };
            await using var client = await QgaClient.ConnectAsync(Paths.AgentSocket, options, deadline.Token);
            return await call(client, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw AgentTimeout(what, timeout, null);
        }
        catch (QgaNotAnsweringException e)
        {
            throw new OperationTimeoutException($"the guest agent of VM \"{Name}\" did not answer ({what}): {e.Message}", e)
            {
                Hint = AgentHint,
            };
        }
        catch (QgaProtocolException e)
        {
            Log.LogWarning("VM {Name}: the guest agent sent an invalid answer ({What}): {Error}", Name, what, e.Message);
            throw new QemuFailedException($"the guest agent of VM \"{Name}\" sent an invalid answer ({what}): {e.Message}", e);
        }
        catch (QgaCommandException e)
        {
            throw new QemuFailedException($"the guest agent of VM \"{Name}\" failed {e.Command}: {e.Description}", e);
        }
        finally
        {
            _agent.Release();
        }
    }

    private const string AgentHint =
        "The guest needs qemu-guest-agent installed and running (it starts with the guest; under TCG a first boot takes about a minute before it answers)";

    private OperationTimeoutException AgentTimeout(string what, TimeSpan timeout, string? why) =>
        new($"the guest agent of VM \"{Name}\" did not answer ({what}) within {timeout.TotalSeconds:0.#} s" + (why is null ? "" : $": {why}"))
        {
            Hint = AgentHint,
        };

    public async Task<AgentPingResult> AgentPingAsync(TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await WithAgentAsync("guest-ping", async (c, t) => { await c.PingAsync(t); return true; }, timeout, ct, syncTimeout: timeout);
            return new AgentPingResult { Name = Name, Answered = true, Milliseconds = Math.Round(clock.Elapsed.TotalMilliseconds, 1) };
        }
        catch (Exception e) when (e is OperationTimeoutException or QemuFailedException)
        {
            return new AgentPingResult { Name = Name, Answered = false, Milliseconds = Math.Round(clock.Elapsed.TotalMilliseconds, 1), Detail = e.Message };
        }
    }

    public Task<AgentInfo> AgentInfoAsync(CancellationToken ct) =>
        WithAgentAsync("guest-info", async (c, t) =>
        {
            var info = await c.GetInfoAsync(t);
            // Older agents lack these commands; what they cannot tell stays null.
            var os = info.Commands.Contains("guest-get-osinfo") ? await c.GetOsInfoAsync(t) : null;
            var host = info.Commands.Contains("guest-get-host-name") ? await c.GetHostNameAsync(t) : null;
            return new AgentInfo
            {
                Name = Name,
                Version = info.Version,
                Os = os?.PrettyName ?? os?.Name,
                OsId = os?.Id,
                OsVersion = os?.VersionId,
                Kernel = os?.KernelRelease,
                Hostname = host,
                Commands = info.Commands,
            };
        }, AgentCallTimeout, ct);

    /// <summary>
    /// Runs a program in the guest (guest-exec) and polls guest-exec-status until it exits or the timeout passes;
    /// then it is killed (guest-exec of kill -KILL) and the result says so. Each poll is its own agent call, so
    /// other agent calls of this VM get their turn while a long command runs.
    /// </summary>
    public async Task<ExecResult> ExecAsync(ExecRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(request.Path) || request.Path.Contains('\0'))
            errors.Add(new FieldError { Field = "path", Value = request.Path, Message = "must name a program to run in the guest" });
        var seconds = request.TimeoutSeconds ?? DefaultExecTimeoutSeconds;
        if (seconds is < 1 or > 86400)
            errors.Add(new FieldError { Field = "timeout_seconds", Value = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Message = "must be between 1 and 86400 seconds" });
        if (request.Input is { Length: > MaxExecInputBytes })
            errors.Add(new FieldError { Field = "input", Value = $"{request.Input.Length} bytes", Message = $"is larger than {MaxExecInputBytes} bytes; copy big files into the guest another way (scp)" });
        // JSON may send "args": null; the record's default is only for a missing field.
        request = request with { Args = request.Args ?? [] };
        if (request.Args.Any(a => a is null || a.Contains('\0')))
            errors.Add(new FieldError { Field = "args", Value = null, Message = "must not contain NUL characters" });
        if (errors.Count > 0)
            throw InvalidInputException.For("exec", errors);

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        long pid;
        try
        {
            pid = await WithAgentAsync("guest-exec", (c, t) => c.ExecAsync(request.Path, request.Args, request.Input, t), AgentCallTimeout, ct);
        }
        catch (QemuFailedException e) when (e.InnerException is QgaCommandException refused)
        {
            return new ExecResult { Name = Name, Started = false, Error = refused.Description };
        }
        Log.LogInformation("VM {Name}: guest-exec {Path} started as guest PID {Pid}", Name, request.Path, pid);

        var delay = TimeSpan.FromMilliseconds(20);
        try
        {
            while (true)
            {
                var status = await WithAgentAsync("guest-exec-status", (c, t) => c.ExecStatusAsync(pid, QgaClient.DefaultMaxOutputBytes, t), AgentCallTimeout, ct);
                if (status.Exited)
                    return ToResult(pid, status, timedOut: false, killed: null, error: null);
                var left = until - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                    break;
                await Task.Delay(delay < left ? delay : left, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: do not leave the command running behind it.
            _ = KillGuestProcessAsync(pid, CancellationToken.None);
            throw;
        }
        var (killed, error) = await KillGuestProcessAsync(pid, ct);
        return new ExecResult { Name = Name, Started = true, Pid = pid, TimedOut = true, Killed = killed, Error = error };
    }

    private ExecResult ToResult(long pid, QgaExecStatus s, bool timedOut, bool? killed, string? error) => new()
    {
        Name = Name,
        Started = true,
        Pid = pid,
        ExitCode = s.Signal is null ? s.ExitCode : null,
        Signal = s.Signal,
        Stdout = s.Stdout,
        Stderr = s.Stderr,
        Truncated = s.Truncated,
        TimedOut = timedOut,
        Killed = killed,
        Error = error,
    };

    /// <summary>SIGKILL through the agent (it has no kill command: guest-exec of kill), then reaps it.</summary>
    private async Task<(bool Killed, string? Error)> KillGuestProcessAsync(long pid, CancellationToken ct)
    {
        try
        {
            var pidText = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var killer = await WithAgentAsync("guest-exec kill", (c, t) => c.ExecAsync("kill", ["-KILL", pidText], null, t), AgentCallTimeout, ct);
            for (var i = 0; i < 20; i++)
            {
                var k = await WithAgentAsync("guest-exec-status", (c, t) => c.ExecStatusAsync(killer, 4096, t), AgentCallTimeout, ct);
                if (k.Exited)
                {
                    // Reap the killed command, so the agent forgets it.
                    var s = await WithAgentAsync("guest-exec-status", (c, t) => c.ExecStatusAsync(pid, 0, t), AgentCallTimeout, ct);
                    Log.LogInformation("VM {Name}: guest PID {Pid} killed after its timeout (exited: {Exited})", Name, pid, s.Exited);
                    return k.ExitCode == 0 ? (true, null) : (false, $"kill -KILL {pid} in the guest failed: {System.Text.Encoding.UTF8.GetString(k.Stderr).Trim()}");
                }
                await Task.Delay(100, ct);
            }
            return (false, $"kill -KILL {pid} in the guest did not finish");
        }
        catch (Exception e) when (e is VireoException)
        {
            Log.LogWarning("VM {Name}: cannot kill guest PID {Pid} after its timeout: {Error}", Name, pid, e.Message);
            return (false, e.Message);
        }
    }

    public async Task<ActionResult> SetUserPasswordAsync(SetUserPasswordRequest request, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(request.User) || request.User.Length > 256 || request.User.Any(ch => char.IsControl(ch) || ch == ':'))
            errors.Add(new FieldError { Field = "user", Value = request.User, Message = "must be a user name in the guest (no ':' or control characters)" });
        if (string.IsNullOrEmpty(request.Password) || request.Password.Length > 1024 || request.Password.Any(ch => ch is '\n' or '\r' or '\0'))
            errors.Add(new FieldError { Field = "password", Value = null, Message = "must be 1 to 1024 characters without newlines" });
        if (errors.Count > 0)
            throw InvalidInputException.For("set-user-password", errors);
        await WithAgentAsync("guest-set-user-password", async (c, t) => { await c.SetUserPasswordAsync(request.User, request.Password, t); return true; }, AgentCallTimeout, ct);
        Log.LogInformation("VM {Name}: password of guest user {User} set through the guest agent", Name, request.User);
        return Result($"password of user \"{request.User}\" set");
    }

    /// <summary>The guest's addresses as the agent reports them (loopback and IPv6 link-local left out); empty when it does not answer.</summary>
    public async Task<IReadOnlyList<QgaInterface>> AgentInterfacesAsync(CancellationToken ct)
    {
        lock (_gate)
            if (_session is null || _state != VmState.Running)
                return [];
        try
        {
            return await WithAgentAsync("guest-network-get-interfaces", (c, t) => c.GetNetworkInterfacesAsync(t), TimeSpan.FromSeconds(2), ct);
        }
        catch (VireoException e)
        {
            Log.LogDebug("VM {Name}: no addresses from the guest agent: {Error}", Name, e.Message);
            return [];
        }
    }
}
