namespace Vireo.Fuzz.Tests;

internal static class Repo
{
    /// <summary>The repository's root (the folder with Vireo.slnx), found upwards from the test binary.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Vireo.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"no Vireo.slnx above {AppContext.BaseDirectory}");
    }
}
