using Vireo.Qemu.Tests.Support;

namespace Vireo.Qemu.Tests.Golden;

/// <summary>
/// Config → argv against Golden/NAME.args (one argument per line). VIREO_UPDATE_GOLDEN=1 rewrites the files;
/// review the diff before committing it.
/// </summary>
public sealed class GoldenArgvTests
{
    public static TheoryData<string> CaseNames => new(GoldenCases.All.Keys);

    private static string GoldenDir => Path.Combine(TestPaths.ProjectDir, "Golden");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Argv_matches_the_golden_file(string name)
    {
        var argv = QemuCommandLine.Build(GoldenCases.All[name](GoldenCases.GoldenRoot));
        Assert.DoesNotContain(argv, a => a.Contains('\n'));
        var actual = string.Join('\n', argv) + "\n";
        var path = Path.Combine(GoldenDir, name + ".args");
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"Missing {path}; run the tests with VIREO_UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    [Fact]
    public void Every_golden_file_belongs_to_a_case()
    {
        var orphans = Directory.GetFiles(GoldenDir, "*.args")
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(n => !GoldenCases.All.ContainsKey(n))
            .ToList();
        Assert.Empty(orphans);
    }
}
