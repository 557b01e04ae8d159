namespace Vireo.Cli.Output;

/// <summary>Why a file could not be read, in Vireo's words rather than the runtime's (which name no fix).</summary>
internal static class FileErrors
{
    /// <summary>
    /// The text of the file a command was given, or of stdin for <c>-</c>; a file that cannot be read is a usage
    /// error naming it (<c>cannot read spec file x.yaml: no such file</c>).
    /// </summary>
    public static async Task<string> ReadTextAsync(CliEnvironment env, string path, string what, CancellationToken ct)
    {
        if (path == "-")
        {
            using var reader = new StreamReader(env.Stdin, leaveOpen: true);
            return await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }
        string full = Path.GetFullPath(path, env.CurrentDirectory);
        try
        {
            return await File.ReadAllTextAsync(full, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"cannot read {what} {path}: {Why(ex, full)}");
        }
    }

    /// <summary>"no such file", "it is a directory", "permission denied", ... for a failure to read <paramref name="path"/>.</summary>
    public static string Why(Exception ex, string path) => ex switch
    {
        _ when Directory.Exists(path) => "it is a directory, not a file",
        FileNotFoundException => "no such file",
        DirectoryNotFoundException => $"no such directory: {MissingAncestor(path)}",
        PathTooLongException => "the path is too long",
        UnauthorizedAccessException => "permission denied",
        _ => ex.Message,
    };

    private static string MissingAncestor(string path)
    {
        string? missing = Path.GetDirectoryName(path);
        for (string? dir = missing; dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir))
            missing = dir;
        return missing ?? path;
    }
}
