using System.Text;
using Vireo.Contracts;

namespace Vireo.Host;

/// <summary>Plain-text rendering of a host report, for output that is not a terminal (logs, pipes, CI).</summary>
public static class HostCheckText
{
    /// <summary>
    /// One line per check, <c>PASS  Title  Detail</c> with titles padded to one column, followed for every
    /// non-passing check by an indented <c>fix: ...</c> line; then a summary line
    /// <c>accelerator: tcg; 10 passed, 6 warnings, 0 failures</c>. Lines end with '\n'.
    /// </summary>
    public static string Format(HostCheckReport report)
    {
        var titleWidth = report.Checks.Count == 0 ? 0 : report.Checks.Max(c => c.Title.Length);
        var sb = new StringBuilder();
        foreach (var check in report.Checks)
        {
            sb.Append(Label(check.Status)).Append("  ").Append(check.Title.PadRight(titleWidth)).Append("  ")
              .Append(OneLine(check.Detail)).Append('\n');
            if (check.Status != CheckStatus.Pass && !string.IsNullOrWhiteSpace(check.Fix))
                sb.Append("      fix: ").Append(OneLine(check.Fix)).Append('\n');
        }
        sb.Append("accelerator: ").Append(report.Accel).Append("; ")
          .Append(report.Passed).Append(" passed, ")
          .Append(report.Warnings).Append(report.Warnings == 1 ? " warning, " : " warnings, ")
          .Append(report.Failures).Append(report.Failures == 1 ? " failure" : " failures").Append('\n');
        return sb.ToString();
    }

    /// <summary>PASS, WARN or FAIL.</summary>
    public static string Label(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "PASS",
        CheckStatus.Warn => "WARN",
        CheckStatus.Fail => "FAIL",
        _ => status.ToString().ToUpperInvariant(),
    };

    // A detail read from a tool's stderr may span lines; the report is one line per check.
    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
