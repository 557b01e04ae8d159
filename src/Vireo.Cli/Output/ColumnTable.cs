using System.Text;

namespace Vireo.Cli.Output;

/// <summary>A column of a <see cref="ColumnTable"/>.</summary>
/// <param name="Header">Its heading.</param>
/// <param name="RightAligned">Numbers are right-aligned, text left-aligned.</param>
/// <param name="Shrinkable">May be narrowed (its values cut with '~') when the table is wider than the screen.</param>
/// <param name="Droppable">May be left out, last ones first, when narrowing is not enough.</param>
internal sealed record TextColumn(string Header, bool RightAligned = false, bool Shrinkable = false, bool Droppable = false);

/// <summary>
/// Plain-text columns, two spaces apart, for output that goes to terminals and pipes alike: no box drawing, no
/// escape codes, no trailing spaces, and never wider than the width given. A table too wide first narrows its
/// shrinkable columns (not below 8 characters or their heading), then leaves out droppable columns from the right;
/// what still does not fit is cut at the width.
/// </summary>
internal sealed class ColumnTable(params TextColumn[] columns)
{
    private const int Gap = 2;
    private const int MinShrunk = 8;
    private readonly List<string[]> _rows = [];

    public IReadOnlyList<TextColumn> Columns { get; } = columns;

    public int RowCount => _rows.Count;

    public void AddRow(params string[] cells)
    {
        if (cells.Length != Columns.Count)
            throw new ArgumentException($"a row of {Columns.Count} cells expected, got {cells.Length}", nameof(cells));
        _rows.Add(cells);
    }

    /// <summary>The heading line and one line per row, each at most <paramref name="width"/> characters.</summary>
    public IReadOnlyList<string> Render(int width)
    {
        width = Math.Max(1, width);
        var widths = Columns.Select((c, i) => _rows.Select(r => r[i].Length).Append(c.Header.Length).Max()).ToArray();
        var shown = Enumerable.Repeat(true, Columns.Count).ToArray();
        int Total() => widths.Where((_, i) => shown[i]).Sum() + Gap * (shown.Count(s => s) - 1);

        for (var i = 0; i < Columns.Count && Total() > width; i++)
        {
            if (!Columns[i].Shrinkable)
                continue;
            var floor = Math.Max(MinShrunk, Columns[i].Header.Length);
            if (widths[i] > floor)
                widths[i] = Math.Max(floor, widths[i] - (Total() - width));
        }
        for (var i = Columns.Count - 1; i >= 0 && Total() > width; i--)
        {
            if (Columns[i].Droppable)
                shown[i] = false;
        }

        var lines = new List<string>(_rows.Count + 1) { Line(Columns.Select(c => c.Header).ToArray(), widths, shown, width) };
        foreach (var row in _rows)
            lines.Add(Line(row, widths, shown, width));
        return lines;
    }

    private string Line(string[] cells, int[] widths, bool[] shown, int width)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (!shown[i])
                continue;
            if (line.Length > 0)
                line.Append(' ', Gap);
            var cell = cells[i].Length > widths[i] ? cells[i][..(widths[i] - 1)] + "~" : cells[i];
            if (Columns[i].RightAligned)
                line.Append(' ', widths[i] - cell.Length).Append(cell);
            else
                line.Append(cell).Append(' ', widths[i] - cell.Length);
        }
        var text = line.ToString().TrimEnd();
        return text.Length > width ? text[..width].TrimEnd() : text;
    }

    /// <summary>
    /// <paramref name="text"/> broken at spaces into lines of at most <paramref name="width"/> characters, the
    /// continuation lines indented by two spaces; a word longer than a line is cut.
    /// </summary>
    public static IEnumerable<string> Wrap(string text, int width)
    {
        width = Math.Max(8, width);
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear().Append("  ");
            }
            else if (line.Length > 0 && line.ToString() != "  ")
            {
                line.Append(' ');
            }
            line.Append(word);
            while (line.Length > width)
            {
                yield return line.ToString(0, width);
                var rest = line.ToString(width, line.Length - width);
                line.Clear().Append("  ").Append(rest);
            }
        }
        if (line.Length > 0 && line.ToString() != "  ")
            yield return line.ToString();
    }
}
