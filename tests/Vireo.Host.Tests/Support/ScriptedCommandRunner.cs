using Vireo.Host.Os;

namespace Vireo.Host.Tests.Support;

/// <summary>
/// A FAKE command runner: answers from a fixture's commands.txt instead of running anything, and records what
/// it was asked. Fixture binaries are placeholders that must never be executed.
/// </summary>
internal sealed class ScriptedCommandRunner : ICommandRunner
{
    private readonly Dictionary<(string Program, string Args), CommandResult> _answers = new();
    private readonly List<string> _calls = [];
    private readonly object _gate = new();

    public IReadOnlyList<string> Calls { get { lock (_gate) return _calls.ToList(); } }

    public static ScriptedCommandRunner FromFile(string path)
    {
        var runner = new ScriptedCommandRunner();
        if (!File.Exists(path)) return runner;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split('|', 4);
            runner.Answer(f[0], f[1], int.Parse(f[2]), f[3].Replace("\\n", "\n") + "\n");
        }
        return runner;
    }

    /// <summary>Sets what <paramref name="program"/> (file name only) prints for <paramref name="args"/>.</summary>
    public void Answer(string program, string args, int exitCode, string stdout, string stderr = "")
    {
        lock (_gate) _answers[(program, args)] = new CommandResult(exitCode, stdout, stderr);
    }

    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var key = (Path.GetFileName(fileName), string.Join(' ', arguments));
        lock (_gate)
        {
            _calls.Add($"{fileName} {key.Item2}");
            return Task.FromResult(_answers.TryGetValue(key, out var r)
                ? r
                : new CommandResult(-1, "", "", $"cannot run {fileName}: no scripted answer for '{key.Item2}'"));
        }
    }
}
