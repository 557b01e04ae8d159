using Spectre.Console;

namespace Vireo.Cli.Output;

/// <summary>
/// The <c>Key:  value</c> lists of the show commands (<c>vireo info</c>, <c>vol info</c>, ...): values wrapped at
/// spaces to the width, under one another; where the width leaves a value less than 24 columns beside its key, each
/// value goes on its own lines under its key instead. No trailing spaces; colours from the console.
/// </summary>
internal sealed class DetailList
{
    private const int Gap = 2;
    private const int MinValueWidth = 24;
    private readonly List<(string Key, Cell Value)> _rows = [];

    /// <summary>A row; an empty key continues the previous one (a second disk under "Disks:").</summary>
    public DetailList Row(string key, Cell value)
    {
        _rows.Add((key, value.Text.Length == 0 ? new Cell("-") : value));
        return this;
    }

    public void Write(IAnsiConsole console)
    {
        foreach (var line in Lines(console.Profile.Width))
            console.MarkupLine(line);
    }

    internal IReadOnlyList<string> Lines(int width)
    {
        int key = _rows.Count == 0 ? 0 : _rows.Max(r => r.Key.Length + 1) + Gap;
        bool beside = width - key >= MinValueWidth;
        var lines = new List<string>();
        foreach (var (name, value) in _rows)
        {
            string label = name.Length == 0 ? "" : name + ":";
            if (beside)
            {
                var wrapped = PlainTable.Wrap(value.Text, width - key);
                for (int i = 0; i < wrapped.Count; i++)
                    lines.Add(Markup.Escape((i == 0 ? label : "").PadRight(key)) + Styled(wrapped[i], value.Style));
            }
            else
            {
                if (label.Length > 0)
                    lines.Add(Markup.Escape(label));
                foreach (var part in PlainTable.Wrap(value.Text, Math.Max(8, width - Gap)))
                    lines.Add(new string(' ', Gap) + Styled(part, value.Style));
            }
        }
        return lines;
    }

    private static string Styled(string text, string? style) =>
        style is null || text.Length == 0 ? Markup.Escape(text) : $"[{style}]{Markup.Escape(text)}[/]";
}
