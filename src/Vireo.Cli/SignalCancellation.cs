using System.Runtime.InteropServices;

namespace Vireo.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel the running command's token instead of killing vireo, so a long operation is
/// cancelled on vireod too and its partial file removed. If the command has not returned <see cref="Grace"/> after
/// the signal, vireo exits anyway. The exit status is 130 for SIGINT and 143 for SIGTERM, as shells report them.
/// Installed before the command runs: its requests block the calling thread (see the Unix-socket handler in
/// Vireo.Client), so the handling must exist before the first one.
/// </summary>
internal sealed class SignalCancellation : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private Timer? _deadline;
    private int _exitCode;

    public SignalCancellation()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>130 or 143 once a signal came; 0 before.</summary>
    public int ExitCode => Volatile.Read(ref _exitCode);

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var code = context.Signal == PosixSignal.SIGTERM ? ExitCodes.Terminated : ExitCodes.Interrupted;
        if (Interlocked.CompareExchange(ref _exitCode, code, 0) != 0)
            return;
        _deadline = new Timer(static state => Environment.Exit((int)state!), code, Grace, Timeout.InfiniteTimeSpan);
        _cts.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _deadline?.Dispose();
        _cts.Dispose();
    }
}
