using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Output;

/// <summary>
/// Prints a failure on stderr and picks the exit code: <c>error: ...</c> once, one indented line per field error
/// when they add something, and what to do as a <c>hint:</c> line.
/// </summary>
internal static class ErrorPrinter
{
    public static int Report(CliEnvironment env, Exception ex, CancellationToken ct, Func<string, string?>? hintFor)
    {
        var err = env.Error;
        switch (ex)
        {
            case VireoApiException api:
                // The CLI's own hint knows its flags (busy -> --force); otherwise vireod's hint for the error.
                WriteApiError(err, api.Error, hintFor?.Invoke(api.Code));
                return ExitCodes.ForApiError(api.Code);
            case VireoConnectionException conn:
                err.WriteLine("error: " + conn.Message);
                return ExitCodes.Unreachable;
            case CliUsageException usage:
                err.WriteLine("error: " + usage.Message);
                return ExitCodes.Usage;
            case OperationCanceledException when ct.IsCancellationRequested:
                return ExitCodes.Interrupted;
            case ArgumentException argument:
                // The client checks names before they go into a URL (a volume "a/../b"): bad input, as vireod would say.
                err.WriteLine("error: " + ArgumentText(argument));
                return ExitCodes.Usage;
            default:
                err.WriteLine($"error: {ex.Message}");
                if (!string.IsNullOrEmpty(env.GetVariable("VIREO_DEBUG")))
                    err.WriteLine(ex.ToString());
                return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// <c>error: DETAIL</c>, one indented line per field error (each followed by its own hint), then the hint. A
    /// single field error that the detail already says (its value and its message) is not printed twice; its hint
    /// then is the hint, unless the error has one of its own.
    /// </summary>
    public static void WriteApiError(TextWriter err, ApiError error, string? hintOverride = null)
    {
        string text = string.IsNullOrWhiteSpace(error.Detail) ? error.Title : error.Detail;
        err.WriteLine("error: " + text);
        var fields = error.Errors;
        bool repeated = fields.Count == 1 && Says(text, fields[0]);
        if (!repeated)
        {
            foreach (var field in fields)
            {
                err.WriteLine("  " + field);
                if (field.Hint is { } fieldHint)
                    err.WriteLine("    hint: " + fieldHint);
            }
        }
        if ((hintOverride ?? error.Hint ?? (repeated ? fields[0].Hint : null)) is { } hint)
            err.WriteLine("hint: " + hint);
    }

    /// <summary>Whether <paramref name="text"/> already tells what <paramref name="field"/> does: its value and its message.</summary>
    private static bool Says(string text, FieldError field) =>
        text.Contains(field.Message, StringComparison.Ordinal) &&
        (field.Value is null || text.Contains(field.Value, StringComparison.Ordinal));

    private static string ArgumentText(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
