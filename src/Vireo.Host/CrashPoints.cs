using System.Runtime.InteropServices;

namespace Vireo.Host;

/// <summary>
/// A test hook: <c>VIREO_TEST_CRASH_AT=NAME</c> (or <c>NAME:N</c>, the Nth time that point is reached) makes vireod
/// kill itself with SIGKILL at that step, with no clean-up and no flush, as a power cut of the daemon alone would.
/// The variable is read once; unset (every real host), <see cref="Hit"/> is one field test. The points are named
/// <c>operation.step</c> (e.g. <c>start.qemu-launched</c>); tests/Vireo.Integration.Tests/CrashSafetyTests.cs kills
/// vireod at each one and checks what the next vireod makes of it.
/// </summary>
public static partial class CrashPoints
{
    private static readonly string? Armed;
    private static readonly int Nth = 1;
    private static int _hits;

    static CrashPoints()
    {
        var value = Environment.GetEnvironmentVariable("VIREO_TEST_CRASH_AT");
        if (string.IsNullOrWhiteSpace(value))
            return;
        var colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            Armed = value[..colon];
            Nth = n;
        }
        else
        {
            Armed = value;
        }
    }

    /// <summary>The point armed in this process, or null.</summary>
    public static string? ArmedPoint => Armed;

    /// <summary>Kills this process on the spot when <paramref name="name"/> is the armed point (its Nth hit).</summary>
    public static void Hit(string name)
    {
        if (Armed is null || !string.Equals(Armed, name, StringComparison.Ordinal))
            return;
        if (Interlocked.Increment(ref _hits) != Nth)
            return;
        Console.Error.WriteLine($"VIREO_TEST_CRASH_AT: killing vireod (pid {Environment.ProcessId}) at {name}");
        Kill(Environment.ProcessId, 9);
        Thread.Sleep(Timeout.Infinite);
    }

    [LibraryImport("libc.so.6", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
