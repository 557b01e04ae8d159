using System.Text;

namespace Vireo.Cli.Terminal;

/// <summary>Reads a line from the terminal without echoing it (raw mode; Ctrl-C cancels, Backspace erases).</summary>
internal static class PasswordPrompt
{
    /// <summary>Prompts on <paramref name="prompt"/>'s writer and reads one line from stdin (fd 0) with echo off.</summary>
    public static string Read(CliEnvironment env, string prompt, CancellationToken ct)
    {
        env.Error.Write(prompt);
        var bytes = new List<byte>();
        using (RawTerminalMode.Enter(0))
        {
            var one = new byte[1];
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (env.Stdin.Read(one, 0, 1) == 0 || one[0] is (byte)'\r' or (byte)'\n')
                    break;
                if (one[0] == 3) // Ctrl-C: raw mode turned off the signal
                {
                    env.Error.WriteLine();
                    throw new OperationCanceledException();
                }
                if (one[0] is 0x7F or 0x08)
                {
                    if (bytes.Count > 0) bytes.RemoveAt(bytes.Count - 1);
                    continue;
                }
                bytes.Add(one[0]);
            }
        }
        env.Error.WriteLine();
        var text = Encoding.UTF8.GetString([.. bytes]);
        bytes.Clear();
        return text;
    }
}
