namespace Vireo.Core.Specs;

/// <summary>
/// Which fields a spec text states (with a non-null value), by path: <c>memory</c>, <c>boot.firmware</c>,
/// <c>nics[0].model</c>. Defaults that depend on other fields (an OS's memory, its NIC model) fill only the fields
/// the text leaves out; the bound <see cref="Vireo.Contracts.VmSpec"/> cannot tell "left out" from "the default".
/// </summary>
internal sealed class SpecPresence
{
    private readonly Dictionary<string, SpecNode> _nodes = new(StringComparer.Ordinal);

    private SpecPresence() { }

    /// <summary>Reads <paramref name="text"/>; a document that cannot be read states nothing.</summary>
    public static SpecPresence Read(string text)
    {
        var presence = new SpecPresence();
        var (root, _) = SpecTreeReader.Read(text);
        if (root is not null)
            presence.Walk(root, "");
        return presence;
    }

    /// <summary>True when the text gives <paramref name="path"/> a value other than null.</summary>
    public bool Has(string path) => _nodes.ContainsKey(path);

    /// <summary>The scalar text at <paramref name="path"/>, or null.</summary>
    public string? Text(string path) => _nodes.GetValueOrDefault(path) is SpecScalar s ? s.Text : null;

    private void Walk(SpecNode node, string path)
    {
        if (SpecBindContext.IsNull(node))
            return;
        if (path.Length > 0)
            _nodes.TryAdd(path, node);
        switch (node)
        {
            case SpecMapping map:
                foreach (var entry in map.Entries)
                    Walk(entry.Value, SpecFields.Join(path, entry.Key));
                break;
            case SpecSequence seq:
                for (var i = 0; i < seq.Items.Count; i++)
                    Walk(seq.Items[i], SpecFields.Index(path, i));
                break;
        }
    }
}
