namespace Vireo.Cli.Create;

internal static class Paths
{
    /// <summary>
    /// vireod resolves nothing against the CLI's directory (it may run elsewhere, as another user), so every path
    /// leaves the CLI absolute.
    /// </summary>
    public static string Absolute(string path, string cwd) => Path.GetFullPath(path, cwd);
}
