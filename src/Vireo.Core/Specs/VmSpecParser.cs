using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Parses a VM spec written as YAML or JSON (one parser: YAML 1.2 contains JSON) and reports every problem at once,
/// each with its field path, e.g. <c>disks[1].fromat: unknown field; did you mean "format"?</c>.
/// </summary>
public static class VmSpecParser
{
    /// <summary>
    /// Parses and binds <paramref name="text"/>: syntax, structure, unknown fields and types. Value rules that need
    /// no host facts are not checked here; call <see cref="ParseAndValidate"/> to get those too, in one list.
    /// </summary>
    public static SpecParseResult Parse(string text)
    {
        var (spec, errors) = ParseInternal(text);
        return errors.Count == 0 ? new SpecParseResult { Spec = spec } : new SpecParseResult { Errors = errors };
    }

    /// <summary>
    /// Parses, binds and validates against <paramref name="limits"/>, returning every error from every stage.
    /// A field that already failed to parse is not validated again (no second message for the same mistake).
    /// </summary>
    public static SpecParseResult ParseAndValidate(string text, HostLimits limits)
    {
        var (spec, errors) = ParseInternal(text);
        if (spec is null) return new SpecParseResult { Errors = errors };

        var failedPaths = errors.Select(e => e.Field).Where(f => f != SpecTreeReader.DocumentField).ToList();
        var all = errors.ToList();
        if (all.Count < SpecBindContext.MaxErrors)
        {
            all.AddRange(VmSpecValidator.Validate(spec, limits)
                .Where(v => !failedPaths.Any(f => SpecFields.IsWithin(v.Field, f) || SpecFields.IsWithin(f, v.Field))));
        }
        return all.Count == 0 ? new SpecParseResult { Spec = spec } : new SpecParseResult { Errors = all };
    }

    /// <summary>The bound spec (with defaults where fields failed) when the document could be read; plus all errors.</summary>
    private static (VmSpec? Spec, IReadOnlyList<FieldError> Errors) ParseInternal(string text)
    {
        var (root, treeErrors) = SpecTreeReader.Read(text);
        if (root is null) return (null, treeErrors);

        var cx = new SpecBindContext();
        foreach (var e in treeErrors) cx.Add(e.Field, e.Value, e.Message);
        try
        {
            var spec = VmSpecBinder.Bind(root, cx);
            return (spec, cx.Errors);
        }
        catch (SpecBindContext.TooManyErrorsException)
        {
            var errors = cx.Errors.ToList();
            errors.Add(new FieldError
            {
                Field = SpecTreeReader.DocumentField,
                Message = $"has more than {SpecBindContext.MaxErrors} errors; stopped here — is this a VM spec?",
            });
            return (null, errors);
        }
    }
}
