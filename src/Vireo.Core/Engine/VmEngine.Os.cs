using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Os;
using Vireo.Core.Specs;

namespace Vireo.Core.Engine;

/// <summary>A spec's <c>os:</c> (osinfo short id) and the defaults it chooses; <c>POST /v1/vms?dry_run=true</c>.</summary>
public sealed partial class VmEngine
{
    /// <summary>The osinfo database <c>os:</c> is looked up in.</summary>
    public OsCatalog OsCatalog { get; set; } = OsCatalog.Shared;

    /// <summary>
    /// Parses and validates <paramref name="specText"/> and fills in its OS's defaults for the fields it leaves out.
    /// The spec is null when the text has errors; the errors include an unknown OS either way.
    /// </summary>
    private (VmSpec? Spec, List<FieldError> Errors) ParseWithOs(string specText)
    {
        var parsed = VmSpecParser.ParseAndValidate(specText, HostLimits());
        var given = SpecPresence.Read(specText);
        var errors = parsed.Errors.ToList();
        var osText = parsed.Spec?.Os ?? given.Text("os");
        ResolvedOs? os = null;
        if (osText is not null && !errors.Any(e => e.Field == "os"))
        {
            try
            {
                os = OsCatalog.Resolve(osText);
            }
            catch (NotFoundException e)
            {
                errors.Add(new FieldError
                {
                    Field = "os",
                    Value = osText,
                    Message = "is not an OS of the osinfo database",
                    Hint = e.Hint,
                });
            }
        }
        if (parsed.Spec is null || errors.Count > 0)
            return (null, errors);
        var spec = parsed.Spec;
        if (os is not null)
            spec = OsDefaults.Apply(spec with { Os = os.Entry.ShortId }, os, given.Has);
        return (spec, errors);
    }

    /// <summary>
    /// What <see cref="DefineAsync"/> would define, without defining anything: the spec validated with every problem
    /// at once, its OS's defaults and its image's boot files filled in, but no UUID or MACs generated (those are
    /// chosen when it is defined). <paramref name="newVolumes"/> are volumes (<c>POOL/NAME</c>) the caller will
    /// create before it defines the VM: disks naming them are not looked up.
    /// </summary>
    public VmSpec Preview(string specText, IReadOnlyCollection<string> newVolumes)
    {
        var (parsed, parseErrors) = ParseWithOs(specText);
        if (parsed is null)
            throw InvalidInputException.For("VM spec", parseErrors);
        var completed = Complete(parsed);
        var errors = new List<FieldError>();
        var disks = completed.Disks.Select((d, i) => d.Volume is { } v && newVolumes.Contains(v, StringComparer.Ordinal)
            ? d
            : ResolveVolume(d, SpecFields.Index("disks", i), errors)).ToList();
        completed = completed with { Disks = disks };
        errors.AddRange(VmSpecValidator.Validate(completed, HostLimits()).Concat(CheckNics(completed)).Concat(CheckDiskOwners(completed)));
        if (_vms.ContainsKey(completed.Name))
            errors.Add(new FieldError
            {
                Field = "name",
                Value = completed.Name,
                Message = "is the name of a VM that already exists",
                Hint = $"Choose another name, or remove that VM first: vireo undefine {completed.Name}",
            });
        if (errors.Count > 0)
            throw InvalidInputException.For("VM spec", errors);
        // Identity is chosen at define time: a preview shows what was asked for.
        return completed with
        {
            Uuid = parsed.Uuid,
            Nics = completed.Nics.Select((n, i) => n with { Mac = parsed.Nics[i].Mac }).ToList(),
        };
    }
}
