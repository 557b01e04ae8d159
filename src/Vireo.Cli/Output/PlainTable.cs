using System.Text;
using Spectre.Console;

namespace Vireo.Cli.Output;

/// <summary>A table cell: its text, and a Spectre style for terminals (<c>green</c>, <c>red bold</c>) or none.</summary>
internal readonly record struct Cell(string Text, string? Style = null)
{
    public static implicit operator Cell(string? text) => new(text ?? "");
}

/// <summary>
/// The borderless tables of the read commands (<c>vireo list</c>, <c>vol list</c>, ...), laid out to fit a width:
/// columns two spaces apart, each as wide as its widest cell, no trailing spaces. When that is too wide, the columns
/// marked <c>wraps</c> (free text, paths) are narrowed and their cells wrapped at spaces; when even that does not
/// fit, every row is shown as a block of <c>HEADER  value</c> lines instead, so that no word is ever cut in two
/// across lines of a table. Colours come from the console (none in a pipe or with NO_COLOR).
/// </summary>
internal sealed class PlainTable
{
    private const int Gap = 2;
    /// <summary>A wrapping column is never made narrower than this (or its header, or its widest cell).</summary>
    private const int MinWrapWidth = 12;

    private readonly List<(string Header, bool Right, bool Wraps)> _columns = [];
    private readonly List<Cell[]> _rows = [];

    public PlainTable Column(string header, bool right = false, bool wraps = false)
    {
        _columns.Add((header, right, wraps));
        return this;
    }

    public PlainTable Row(params Cell[] cells)
    {
        if (cells.Length != _columns.Count)
            throw new ArgumentException($"a row of {cells.Length} cells for {_columns.Count} columns", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public int RowCount => _rows.Count;

    /// <summary>Writes the table to <paramref name="console"/>, fitted to its width.</summary>
    public void Write(IAnsiConsole console)
    {
        foreach (var line in Lines(console.Profile.Width))
            console.MarkupLine(line);
    }

    /// <summary>The table as markup lines no wider than <paramref name="width"/> (where words allow).</summary>
    internal IReadOnlyList<string> Lines(int width)
    {
        var widths = _columns.Select((c, i) => Math.Max(c.Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => LongestLine(r[i].Text)))).ToArray();
        if (Fit(widths, width))
            return Columns(widths);
        return Records(width);
    }

    /// <summary>Narrows the wrapping columns, widest first, until the table fits; false when it cannot.</summary>
    private bool Fit(int[] widths, int width)
    {
        int total() => widths.Sum() + Gap * Math.Max(0, widths.Length - 1);
        while (total() > width)
        {
            int widest = -1;
            for (int i = 0; i < widths.Length; i++)
            {
                if (_columns[i].Wraps && widths[i] > MinWidth(i) && (widest < 0 || widths[i] > widths[widest]))
                    widest = i;
            }
            if (widest < 0)
                return false;
            widths[widest] = Math.Max(MinWidth(widest), widths[widest] - (total() - width));
        }
        return true;
    }

    private int MinWidth(int column)
    {
        int longestWord = _rows.Count == 0 ? 0 : _rows.Max(r => Words(r[column].Text).Select(w => w.Length).DefaultIfEmpty(0).Max());
        return Math.Max(_columns[column].Header.Length, Math.Min(MinWrapWidth, Math.Max(longestWord, 1)));
    }

    private List<string> Columns(int[] widths)
    {
        var lines = new List<string> { Line(_columns.Select(c => new Cell(c.Header)).ToArray(), widths, 0)! };
        foreach (var row in _rows)
        {
            var wrapped = row.Select((cell, i) => Wrap(cell.Text, widths[i])).ToArray();
            int height = wrapped.Max(w => w.Count);
            for (int line = 0; line < height; line++)
            {
                var cells = row.Select((cell, i) => new Cell(line < wrapped[i].Count ? wrapped[i][line] : "", cell.Style)).ToArray();
                lines.Add(Line(cells, widths, line)!);
            }
        }
        return lines;
    }

    private string? Line(Cell[] cells, int[] widths, int lineOfRow)
    {
        var text = new StringBuilder();
        int pending = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            string value = cells[i].Text;
            int pad = widths[i] - value.Length;
            bool right = _columns[i].Right;
            if (value.Length > 0)
            {
                text.Append(' ', pending + (right ? pad : 0));
                text.Append(Styled(value, cells[i].Style));
                pending = right ? 0 : pad;
            }
            else
            {
                pending += widths[i];
            }
            pending += Gap;
        }
        return text.ToString();
    }

    /// <summary>Each row as lines of <c>HEADER  value</c>, rows apart by an empty line: for widths no table fits.</summary>
    private List<string> Records(int width)
    {
        int key = _columns.Max(c => c.Header.Length) + Gap;
        int valueWidth = Math.Max(8, width - key);
        var lines = new List<string>();
        foreach (var row in _rows)
        {
            if (lines.Count > 0)
                lines.Add("");
            for (int i = 0; i < row.Length; i++)
            {
                var wrapped = Wrap(row[i].Text, valueWidth);
                for (int line = 0; line < wrapped.Count; line++)
                {
                    string label = line == 0 ? _columns[i].Header.PadRight(key) : new string(' ', key);
                    lines.Add(Markup.Escape(label) + Styled(wrapped[line], row[i].Style));
                }
            }
        }
        return lines;
    }

    private static string Styled(string text, string? style) =>
        text.Length == 0 ? "" : style is null ? Markup.Escape(text) : $"[{style}]{Markup.Escape(text)}[/]";

    /// <summary>Text in lines of at most <paramref name="width"/>: broken at spaces, a longer word cut where it must be.</summary>
    internal static List<string> Wrap(string text, int width)
    {
        if (text.Length <= width && !text.Contains('\n'))
            return [text];
        var lines = new List<string>();
        foreach (string paragraph in text.Split('\n'))
        {
            var line = new StringBuilder();
            foreach (string word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                string rest = word;
                if (line.Length > 0 && line.Length + 1 + rest.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                while (rest.Length > width)
                {
                    if (line.Length > 0)
                    {
                        lines.Add(line.ToString());
                        line.Clear();
                    }
                    lines.Add(rest[..width]);
                    rest = rest[width..];
                }
                if (line.Length > 0)
                    line.Append(' ');
                line.Append(rest);
            }
            lines.Add(line.ToString());
        }
        return lines;
    }

    private static IEnumerable<string> Words(string text) => text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);

    private static int LongestLine(string text) => text.Split('\n').Max(l => l.Length);
}
