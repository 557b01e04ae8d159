using Vireo.Core.Specs;
using static Vireo.Core.Tests.Specs.SpecTestKit;

namespace Vireo.Core.Tests.Specs;

public class VmSpecParserSyntaxTests
{
    [Fact]
    public void A_syntax_error_is_one_document_error_with_line_and_column()
    {
        var result = VmSpecParser.Parse(Lines("name: web1", "vcpus: [1, 2", "memory: 512"));
        var error = Assert.Single(result.Errors);
        Assert.Equal("(document)", error.Field);
        Assert.Contains("is not valid YAML or JSON", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"line \d+, column \d+", error.Message);
        Assert.Null(result.Spec);
    }

    [Fact]
    public void Bad_indentation_points_at_the_offending_line()
    {
        var error = AssertParseError(Lines("name: web1", "vcpus: 2", "  memory: 512"), "(document)", "line 3");
        Assert.Contains("indentation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tab_indentation_gets_a_hint_about_spaces() =>
        AssertParseError(Lines("boot:", "\tkernel: /k"), "(document)", "indent with spaces");

    [Fact]
    public void Unterminated_quote_is_a_syntax_error() =>
        AssertParseError(Lines("name: \"web1"), "(document)", "quoted scalar");

    [Theory]
    [InlineData("")]
    [InlineData("   \n\n")]
    [InlineData("# just a comment\n")]
    [InlineData("---\n")]
    [InlineData("~\n")]
    [InlineData("null")]
    public void An_empty_document_says_what_a_spec_needs(string text) =>
        AssertParseError(text, "(document)", "is empty; a spec needs at least a name");

    [Fact]
    public void A_second_document_is_refused() =>
        AssertParseError(Lines("name: a", "---", "name: b"), "(document)", "second YAML document at line 2");

    [Theory]
    [InlineData("- name: web1\n", "is a list")]
    [InlineData("web1\n", "is a string")]
    [InlineData("[1, 2]", "is a list")]
    public void A_root_that_is_not_a_mapping_is_refused(string text, string fragment) =>
        AssertParseError(text, "(document)", fragment);

    [Fact]
    public void Custom_tags_are_refused() =>
        AssertParseError(Lines("name: !secret web1"), "(document)", "tag \"!secret\"");

    [Fact]
    public void Str_tag_makes_a_number_a_string()
    {
        var spec = ParseOk(Lines("name: !!str 2024", "boot: {kernel: /k}"));
        Assert.Equal("2024", spec.Name);
    }

    [Fact]
    public void Anchors_and_aliases_are_resolved()
    {
        var spec = ParseOk(Lines(
            "name: web1",
            "nics:",
            "  - &nic {type: user, model: e1000e}",
            "  - *nic"));
        Assert.Equal(2, spec.Nics.Count);
        Assert.All(spec.Nics, n => Assert.Equal("e1000e", n.Model));
    }

    [Fact]
    public void An_alias_to_its_own_enclosing_node_is_refused() =>
        AssertParseError(Lines("name: web1", "disks: &d [*d]"), "(document)", "unknown or enclosing anchor \"*d\"");

    [Fact]
    public void Oversized_documents_are_refused_before_parsing() =>
        AssertParseError("name: " + new string('a', 1024 * 1024), "(document)", "a spec is at most");

    [Fact]
    public void Deep_nesting_is_refused_without_recursion()
    {
        var text = "name: web1\nx: " + new string('[', 10000) + new string(']', 10000);
        AssertParseError(text, "(document)", "nests deeper than 32 levels");
    }

    [Fact]
    public void Garbage_with_hundreds_of_problems_stops_after_a_bounded_number()
    {
        var text = "name: web1\n" + string.Join("\n", Enumerable.Range(0, 500).Select(i => $"field{i}: x"));
        var result = VmSpecParser.Parse(text);
        Assert.InRange(result.Errors.Count, 100, 101);
        Assert.Contains("more than 100 errors", result.Errors[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_scalar_keys_are_refused() =>
        AssertParseError(Lines("name: web1", "? [a, b]", ": 1"), "(document)", "a list used as a key");

    [Fact]
    public void Tab_indented_json_parses()
    {
        var spec = ParseOk("{\n\t\"name\": \"web1\",\n\t\"boot\": {\n\t\t\"kernel\": \"/k\"\n\t}\n}\n");
        Assert.Equal("/k", spec.Boot.Kernel);
    }

    [Fact]
    public void A_json_syntax_error_is_not_blamed_on_tabs()
    {
        var error = AssertParseError("{\n\t\"name\": \"web1\",,\n\t\"vcpus\": 2\n}", "(document)", "is not valid YAML or JSON");
        Assert.DoesNotContain("tab", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_line_endings_and_a_byte_order_mark_are_accepted()
    {
        var spec = ParseOk("\ufeffname: web1\r\nvcpus: 2\r\nboot:\r\n  kernel: /k\r\n");
        Assert.Equal(("web1", 2, "/k"), (spec.Name, spec.Vcpus, spec.Boot.Kernel));
    }
}
