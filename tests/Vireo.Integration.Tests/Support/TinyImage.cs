namespace Vireo.Integration.Tests.Support;

/// <summary>Makes sure the tiny guest is built (once per test run) in the image cache the daemon reads.</summary>
internal static class TinyImage
{
    private static readonly Lazy<string> Built = new(Build);

    public static string Dir => Built.Value;

    public static void EnsureBuilt() => _ = Built.Value;

    private static string Build()
    {
        var dir = Path.Combine(Repo.ImageDir, "tiny");
        var result = ProcessRunner.RunAsync("bash", [Path.Combine(Repo.Root, "guest", "build-tiny.sh"), "--out", dir],
            timeout: TimeSpan.FromMinutes(10)).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"building the tiny guest failed: {result}");
        return dir;
    }
}
