using System.CommandLine;
using Vireo.Host.Os;

namespace Vireo.Cli.Create;

/// <summary>
/// The VM this account's last <c>vireo create</c> made, per vireod it talked to, so that <c>vireo start</c> without a
/// name starts it (<c>vireo create --image tiny &amp;&amp; vireo start</c>, like Multipass's primary instance).
/// Kept in <c>$XDG_STATE_HOME/vireo/last-created</c> (default <c>~/.local/state/vireo/last-created</c>), one line
/// per vireod: its description (the socket path or the remote's address), a tab, the VM's name. Written atomically;
/// a failure to write it only warns: the VM exists either way.
/// </summary>
internal static class LastCreated
{
    /// <summary>Where the file is, from the environment (XDG_STATE_HOME, else HOME).</summary>
    public static string PathFor(Func<string, string?> getVariable)
    {
        string? dir = getVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(dir) || !Path.IsPathRooted(dir))
        {
            string? home = getVariable("HOME");
            if (string.IsNullOrWhiteSpace(home))
                home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            dir = Path.Combine(home, ".local", "state");
        }
        return Path.Combine(dir, "vireo", "last-created");
    }

    /// <summary>Records the VM <c>vireo create</c> just made; warns (the VM exists) when the file cannot be written.</summary>
    public static void Remember(CliApp app, ParseResult parse, string vm)
    {
        string path = PathFor(app.Env.GetVariable);
        try
        {
            Write(path, app.Target(parse).Describe(), vm);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            app.Env.Error.WriteLine($"warning: could not record '{vm}' as the VM created last in {path}: {e.Message}");
        }
    }

    /// <summary>The VM this account created last on the vireod of this run, or null.</summary>
    public static string? Recall(CliApp app, ParseResult parse) => Read(PathFor(app.Env.GetVariable), app.Target(parse).Describe());

    /// <summary>The name recorded for <paramref name="daemon"/>, or null (no file, no line, unreadable).</summary>
    public static string? Read(string path, string daemon)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                int tab = line.IndexOf('\t');
                if (tab > 0 && line[..tab] == daemon && tab + 1 < line.Length)
                    return line[(tab + 1)..];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    /// <summary>Records <paramref name="vm"/> for <paramref name="daemon"/>, keeping the other vireods' lines.</summary>
    public static void Write(string path, string daemon, string vm)
    {
        var lines = new List<string>();
        try
        {
            lines.AddRange(File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith(daemon + "\t", StringComparison.Ordinal)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        lines.Add($"{daemon}\t{vm}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AtomicFile.Write(path, string.Concat(lines.Select(l => l + "\n")), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
