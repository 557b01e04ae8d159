using System.Runtime.CompilerServices;

namespace Vireo.Host.Tests.Network;

/// <summary>
/// Golden files, read from the source tree (next to this file, in Golden/). Run the tests with
/// VIREO_UPDATE_GOLDEN=1 to rewrite them from the current output, then review the diff.
/// </summary>
internal static class Golden
{
    public static void Matches(string name, string actual, [CallerFilePath] string caller = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(caller)!, "Golden", name);
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing (run with VIREO_UPDATE_GOLDEN=1 to create it)");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
