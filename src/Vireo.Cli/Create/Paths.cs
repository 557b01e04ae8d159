using Vireo.Cli.Remotes;

namespace Vireo.Cli.Create;

internal static class Paths
{
    /// <summary>
    /// The remote this run's command talks to, or null for the local socket (set by CliApp.RunAsync, resolved only
    /// when a path needs it).
    /// </summary>
    public static readonly AsyncLocal<Func<RemoteTarget?>?> RemoteOf = new();

    /// <summary>The remote vireod of this run, or null when it is the local one.</summary>
    public static RemoteTarget? Remote => RemoteOf.Value?.Invoke();

    /// <summary>
    /// vireod resolves nothing against the CLI's directory (it may run elsewhere, as another user), so every path
    /// leaves the CLI absolute. Against a remote vireod a path names a file on that host: it must be absolute
    /// there, since this machine's directory means nothing to it.
    /// </summary>
    public static string Absolute(string path, string cwd)
    {
        if (Remote is { } remote)
        {
            if (!Path.IsPathRooted(path))
                throw new CliUsageException($"\"{path}\" is a relative path, but vireod at {remote.Describe()} opens files on its own host, " +
                                            "not on this machine: give the absolute path of the file on that host");
            return Path.GetFullPath(path);
        }
        return Path.GetFullPath(path, cwd);
    }
}
