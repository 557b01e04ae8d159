using System.Text;

namespace Vireo.Cli.Output;

/// <summary>
/// Writes through to another writer line by line, without the spaces Spectre pads a table's last column with: a
/// line ends at its last visible character (colour codes after it are kept). Each line is written when it ends; a
/// flush writes what there is of the current one.
/// </summary>
internal sealed class TrailingSpaceTrimmer(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            inner.Write(Trim(_line));
            inner.Write('\n');
            _line.Clear();
        }
        else
        {
            _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is null)
            return;
        int start = 0;
        for (int nl = value.IndexOf('\n'); nl >= 0; nl = value.IndexOf('\n', start))
        {
            _line.Append(value, start, nl - start);
            Write('\n');
            start = nl + 1;
        }
        _line.Append(value, start, value.Length - start);
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            inner.Write(_line.ToString());
            _line.Clear();
        }
        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Flush();
        base.Dispose(disposing);
    }

    /// <summary>The line without its trailing spaces (and \r), keeping SGR colour codes that follow them.</summary>
    internal static string Trim(StringBuilder line)
    {
        int end = line.Length;
        var codes = new StringBuilder();
        while (end > 0)
        {
            char c = line[end - 1];
            if (c is ' ' or '\r')
            {
                end--;
                continue;
            }
            if (c == 'm' && SgrStart(line, end) is int esc)
            {
                codes.Insert(0, line.ToString(esc, end - esc));
                end = esc;
                continue;
            }
            break;
        }
        return line.ToString(0, end) + codes;
    }

    /// <summary>Where the ESC [ digits ; m sequence ending at <paramref name="end"/> starts, if one does.</summary>
    private static int? SgrStart(StringBuilder line, int end)
    {
        int i = end - 2;
        while (i >= 0 && (char.IsAsciiDigit(line[i]) || line[i] == ';'))
            i--;
        return i >= 1 && line[i] == '[' && line[i - 1] == '\u001b' ? i - 1 : null;
    }
}
