using System.Text.RegularExpressions;
using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

/// <summary>Keeps docs/vm-spec.md honest: its examples parse, and its error messages are what Vireo prints.</summary>
public partial class DocsExamplesTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "vm-spec.md"));

    /// <summary>A host on which every documented example fits: 64 CPUs, 1 TiB, every file present.</summary>
    private static readonly HostLimits BigHost = new() { HostCpus = 64, HostMemoryMiB = 1024 * 1024, FileExists = _ => true };

    public static TheoryData<string> CodeBlocks()
    {
        var data = new TheoryData<string>();
        foreach (Match m in FencedBlock().Matches(Doc)) data.Add(m.Groups["body"].Value);
        return data;
    }

    [Fact]
    public void The_doc_has_yaml_and_json_examples() => Assert.True(CodeBlocks().Count >= 4);

    [Theory]
    [MemberData(nameof(CodeBlocks))]
    public void Every_yaml_and_json_example_in_the_doc_is_a_valid_spec(string example)
    {
        var result = VmSpecParser.ParseAndValidate(example, BigHost);
        Assert.True(result.Success, result.ToString());
    }

    [Theory]
    [InlineData("name: web1\nvcpus: 2\n  memory: 512\n")]
    [InlineData("name: web1\nboot:\n\tkernel: /k\n")]
    [InlineData("# nothing\n")]
    [InlineData("vcpus: 1\nboot: {kernel: /k}\n")]
    [InlineData("name: web/1\nboot: {kernel: /k}\n")]
    [InlineData("name: \"web\\a\"\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\ndisks:\n  - {path: /a, format: raw}\n  - {path: /b, format: raw, fromat: raw}\n")]
    [InlineData("name: web1\nvcpus: 1\nboot: {kernel: /k}\nmemory: 512\nvcpus: 2\n")]
    [InlineData("name: web1\nvcpus: two\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nvcpus: \"2\"\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nvcpus: 64\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nmemory: 2GB\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nmemory: 12\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nmemory: 64G\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nautostart: yes\nboot: {kernel: /k}\n")]
    [InlineData("name: web1\nboot: {kernel: /nope/vmlinuz}\n")]
    [InlineData("name: web1\nboot: {order: [cdrom]}\nnics: [{type: user}]\n")]
    [InlineData("name: web1\ndisks: [{path: /var/lib/vireo/vms/web1/root.qcow2}]\n")]
    [InlineData("name: web1\ndisks: [{path: /var/lib/vireo/vms/web1/root.qcow2, format: qcow2}, {device: cdrom, bus: virtio}]\n")]
    [InlineData("name: web1\nnics: [{mac: 01:00:5e:00:00:01}]\n")]
    [InlineData("name: web1\nboot: {kernel: /k}\ngraphics: {port: 80}\n")]
    [InlineData("name: web1\non_crash: restrat\nboot: {kernel: /k}\n")]
    public void Documented_error_messages_are_the_real_ones(string input)
    {
        var host = Limits with { FileExists = p => p != "/nope/vmlinuz" };
        var result = VmSpecParser.ParseAndValidate(input, host);
        var error = Assert.Single(result.Errors);
        Assert.True(Doc.Contains("\n" + error + "\n", StringComparison.Ordinal), "docs/vm-spec.md lacks the line: " + error);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vireo.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Vireo.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```(yaml|json)\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
