using System.Text;
using Vireo.Contracts;

namespace Vireo.Host;

/// <summary>Plain-text rendering of a host check report, for output that is not a terminal.</summary>
public static class HostCheckText
{
    public static string Format(HostCheckReport report)
    {
        var width = report.Checks.Max(c => c.Title.Length);
        var text = new StringBuilder();
        foreach (var check in report.Checks)
        {
            text.Append(check.Status.ToString().ToUpperInvariant().PadRight(6)).Append(check.Title.PadRight(width + 2)).Append(check.Detail).Append('\n');
            if (check.Fix is not null)
                text.Append(' ', 6 + width + 2).Append("fix: ").Append(check.Fix).Append('\n');
        }
        text.Append($"{report.Passed} passed, {report.Warnings} warnings, {report.Failures} failed; VMs will use {report.Accel.ToUpperInvariant()}\n");
        return text.ToString();
    }
}
