using Vireo.Contracts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vireo.Core.Specs;

/// <summary>The outcome of parsing a spec: the spec, or every problem found.</summary>
/// <param name="Spec">The spec, or null when there are errors.</param>
/// <param name="Errors">Every problem, each with its field path.</param>
public sealed record SpecParseResult(VmSpec? Spec, IReadOnlyList<FieldError> Errors);

/// <summary>
/// Parses a VM spec written in YAML or JSON (YAML is a superset of JSON, so one parser reads both) and binds it by
/// hand, so that every unknown field and wrong type is reported at once with its path, instead of stopping at the
/// first as a deserializer would.
/// </summary>
public static class VmSpecParser
{
    public static SpecParseResult Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Fail("the spec is empty; a spec needs at least `name:`");
        YamlStream stream;
        try
        {
            stream = [];
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return Fail($"is not valid YAML or JSON at line {e.Start.Line}, column {e.Start.Column}: {Inner(e)}");
        }
        if (stream.Documents.Count == 0)
            return Fail("the spec is empty; a spec needs at least `name:`");
        if (stream.Documents.Count > 1)
            return Fail("holds more than one YAML document; define one VM per file");
        var binder = new SpecBinder();
        var spec = binder.BindRoot(stream.Documents[0].RootNode);
        return binder.Errors.Count == 0 && spec is not null
            ? new SpecParseResult(spec, [])
            : new SpecParseResult(null, binder.Errors);
    }

    private static SpecParseResult Fail(string message) =>
        new(null, [new FieldError { Field = "(document)", Message = message }]);

    private static string Inner(YamlException e)
    {
        var message = e.InnerException?.Message ?? e.Message;
        var paren = message.IndexOf("): ", StringComparison.Ordinal);
        return paren >= 0 ? message[(paren + 3)..] : message;
    }
}
