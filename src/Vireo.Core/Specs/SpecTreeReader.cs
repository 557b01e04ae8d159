using Vireo.Contracts;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Vireo.Core.Specs;

/// <summary>
/// Turns YAML (and therefore JSON, which YAML 1.2 contains) into a <see cref="SpecNode"/> tree.
/// It reads YamlDotNet's event stream rather than YamlStream because YamlStream rejects a duplicate key with an
/// exception (we want to name the key and both lines) and loses whether a scalar was quoted (we need that to tell
/// <c>vcpus: "2"</c> from <c>vcpus: 2</c>).
/// </summary>
internal static class SpecTreeReader
{
    /// <summary>A spec is a page of text; anything far larger is a mistake or an attack.</summary>
    public const int MaxDocumentChars = 1024 * 1024;

    /// <summary>Nesting deeper than this cannot be a VM spec (the schema is three levels deep).</summary>
    public const int MaxDepth = 32;

    public const string DocumentField = "(document)";

    private const string StrTag = "tag:yaml.org,2002:str";

    private static readonly HashSet<string> CoreTags = new(StringComparer.Ordinal)
    {
        "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
    };

    public static (SpecNode? Root, IReadOnlyList<FieldError> Errors) Read(string text)
    {
        if (text.Length > MaxDocumentChars)
            return (null, [Doc($"is {text.Length} characters long; a spec is at most {MaxDocumentChars} characters")]);

        // A byte order mark may open a stream (YAML 1.2 §5.2), but YamlDotNet keeps it as part of the first key.
        if (text.StartsWith('\ufeff')) text = text[1..];

        var errors = new List<FieldError>();
        var builder = new Builder(errors);
        var documents = 0;
        var lastGood = new Mark(0, 1, 1);
        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                var e = parser.Current!;
                lastGood = e.End;
                switch (e)
                {
                    case DocumentStart:
                        documents++;
                        if (documents == 2)
                            errors.Add(Doc($"holds a second YAML document at {At(e.Start)}; a spec file holds exactly one VM (remove the extra \"---\")"));
                        break;
                    case Scalar s when documents == 1: builder.Scalar(s); break;
                    case AnchorAlias a when documents == 1: builder.Alias(a); break;
                    case MappingStart m when documents == 1: builder.Open(m, isMapping: true); break;
                    case SequenceStart q when documents == 1: builder.Open(q, isMapping: false); break;
                    case MappingEnd or SequenceEnd when documents == 1: builder.Close(); break;
                }
                if (builder.TooDeep) return (null, [Doc($"nests deeper than {MaxDepth} levels at {At(e.Start)}; a VM spec is at most three levels deep")]);
            }
        }
        catch (YamlException ex)
        {
            // YamlDotNet sometimes reports line 1, column 1 for errors found much later; trust the later position.
            return (null, [SyntaxError(text, ex.Message, ex.Start.Index >= lastGood.Index ? ex.Start : lastGood)]);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // YamlDotNet 18.1 throws InvalidOperationException from its scanner on some malformed input, e.g. an
            // unclosed flow sequence followed by another key ("a: [1, 2\nb: 3"). Still a syntax error to the user.
            return (null, [SyntaxError(text, "unexpected text after this point", lastGood)]);
        }

        if (documents == 0 || builder.Root is null or SpecScalar { Kind: ScalarKind.Null })
            return (null, [Doc("is empty; a spec needs at least a name, e.g. \"name: web1\"")]);
        return (builder.Root, errors);
    }

    private static FieldError SyntaxError(string text, string libraryMessage, Mark at)
    {
        var message = DisplayText.Sanitize(libraryMessage.TrimEnd('.', ' '));
        var lines = text.Split('\n');
        // Tabs are legal whitespace inside JSON-style flow collections ({...}); only block YAML forbids them.
        var isFlow = text.TrimStart().StartsWith('{') || text.TrimStart().StartsWith('[');
        for (var i = 0; i < lines.Length && i <= at.Line && !isFlow; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indent);
            if (tab >= 0)
                return Doc($"is not valid YAML or JSON: {message}; line {i + 1}, column {tab + 1} is indented with a tab, and YAML does not allow tabs for indentation: indent with spaces");
        }
        return Doc($"is not valid YAML or JSON: {message} at {At(at)}; check the indentation and quoting there");
    }

    private static FieldError Doc(string message) => new() { Field = DocumentField, Message = message };

    private static string At(Mark mark) => $"line {mark.Line}, column {mark.Column}";

    private static SpecMark ToMark(Mark mark) => new(mark.Line, mark.Column);

    /// <summary>Assembles nodes from events with an explicit stack, so hostile nesting cannot overflow ours.</summary>
    private sealed class Builder(List<FieldError> errors)
    {
        private readonly Stack<Frame> _stack = new();
        private readonly Dictionary<string, SpecNode> _anchors = new(StringComparer.Ordinal);

        public SpecNode? Root { get; private set; }
        public bool TooDeep { get; private set; }

        public void Scalar(Scalar s)
        {
            var quoted = s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted
                         || s.Style is ScalarStyle.Literal or ScalarStyle.Folded
                         || s.Tag.IsNonSpecific || (!s.Tag.IsEmpty && s.Tag.Value == StrTag);
            CheckTag(s);
            Complete(new SpecScalar(s.Value, quoted, ToMark(s.Start)), s.Anchor);
        }

        public void Alias(AnchorAlias a)
        {
            // Anchors are registered when their node is complete, so an alias inside its own anchor (a cycle) is
            // unknown here too: the tree stays acyclic.
            if (_anchors.TryGetValue(a.Value.Value, out var target))
            {
                Complete(target, AnchorName.Empty);
                return;
            }
            var anchor = DisplayText.Sanitize(a.Value.Value);
            errors.Add(Doc($"refers to the unknown or enclosing anchor \"*{anchor}\" at {At(a.Start)}; define it with &{anchor} before use"));
            Complete(new SpecScalar("", Quoted: false, ToMark(a.Start)), AnchorName.Empty);
        }

        public void Open(NodeEvent e, bool isMapping)
        {
            CheckTag(e);
            _stack.Push(new Frame(isMapping, ToMark(e.Start), e.Anchor));
            if (_stack.Count > MaxDepth) TooDeep = true;
        }

        public void Close()
        {
            var frame = _stack.Pop();
            SpecNode node = frame.IsMapping
                ? new SpecMapping(frame.Entries, frame.Mark)
                : new SpecSequence(frame.Items, frame.Mark);
            Complete(node, frame.Anchor);
        }

        private void CheckTag(NodeEvent e)
        {
            if (e.Tag.IsEmpty || e.Tag.IsNonSpecific || e.Tag.Value == StrTag || CoreTags.Contains(e.Tag.Value)) return;
            errors.Add(Doc($"uses the tag \"{DisplayText.Sanitize(e.Tag.Value)}\" at {At(e.Start)}; Vireo specs use plain YAML types, remove the tag"));
        }

        private void Complete(SpecNode node, AnchorName anchor)
        {
            if (!anchor.IsEmpty) _anchors[anchor.Value] = node;
            if (_stack.Count == 0)
            {
                Root = node;
                return;
            }
            var top = _stack.Peek();
            if (!top.IsMapping)
            {
                top.Items.Add(node);
                return;
            }
            if (top.PendingKey is null && !top.KeyRejected)
            {
                if (node is SpecScalar key)
                {
                    top.PendingKey = key.Kind == ScalarKind.Null && !key.Quoted ? "" : key.Text;
                    top.PendingKeyMark = key.Mark;
                }
                else
                {
                    errors.Add(Doc($"has {node.KindName} used as a key at line {node.Mark.Line}, column {node.Mark.Column}; keys are field names"));
                    top.KeyRejected = true;
                }
                return;
            }
            if (top.PendingKey is not null) top.Entries.Add(new SpecEntry(top.PendingKey, top.PendingKeyMark, node));
            top.PendingKey = null;
            top.KeyRejected = false;
        }
    }

    private sealed class Frame(bool isMapping, SpecMark mark, AnchorName anchor)
    {
        public bool IsMapping { get; } = isMapping;
        public SpecMark Mark { get; } = mark;
        public AnchorName Anchor { get; } = anchor;
        public List<SpecEntry> Entries { get; } = [];
        public List<SpecNode> Items { get; } = [];
        public string? PendingKey { get; set; }
        public SpecMark PendingKeyMark { get; set; }
        public bool KeyRejected { get; set; }
    }
}
