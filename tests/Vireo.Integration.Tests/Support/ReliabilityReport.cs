using System.Text.Json;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// The rows of docs/reliability.md (this one file is compiled into every test project that records rows). A test that injects a fault, holds a load, fuzzes input or checks confinement
/// calls <see cref="Record"/> once its assertions have passed, with what it did and what it measured. When the
/// environment names a file in <c>VIREO_RELIABILITY_OUT</c> (tests/reliability/run.sh sets it), each row is
/// appended to it as one JSON line; otherwise nothing is written. Tests carry <c>[Trait("Category", "Reliability")]</c>
/// so that the report's command can run exactly them.
/// </summary>
internal static class ReliabilityReport
{
    private static readonly Lock Gate = new();

    /// <param name="area">One of: undo, crash, fault, confinement, fuzz, load.</param>
    /// <param name="check">What was done, in words a reader of the report understands ("QEMU killed with SIGKILL").</param>
    /// <param name="result">What happened, with figures ("marked crashed in 0.2 s, restarted after 1 s back-off").</param>
    /// <param name="test">The test's method name (filled in by the compiler).</param>
    public static void Record(string area, string check, string result,
        [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        if (Environment.GetEnvironmentVariable("VIREO_RELIABILITY_OUT") is not { Length: > 0 } path)
            return;
        var line = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["area"] = area, ["check"] = check, ["result"] = result, ["test"] = test,
            ["time"] = DateTimeOffset.UtcNow.ToString("O"),
        });
        lock (Gate)
            File.AppendAllText(path, line + "\n");
    }
}
