using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Output;

/// <summary>Prints a failure as `error: ...` (plus one line per field error) on stderr and picks the exit code.</summary>
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
            default:
                err.WriteLine($"error: {ex.Message}");
                if (!string.IsNullOrEmpty(env.GetVariable("VIREO_DEBUG")))
                    err.WriteLine(ex.ToString());
                return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// <c>error: DETAIL</c>, one indented line per field error (each followed by its own hint), then the hint. A
    /// detail that only repeats the single field error is not printed twice.
    /// </summary>
    public static void WriteApiError(TextWriter err, ApiError error, string? hintOverride = null)
    {
        string text = string.IsNullOrWhiteSpace(error.Detail) ? error.Title : error.Detail;
        err.WriteLine("error: " + text);
        var fields = error.Errors;
        if (fields.Count == 1 && text.EndsWith(fields[0].ToString(), StringComparison.Ordinal))
        {
            if (fields[0].Hint is { } onlyHint && (hintOverride ?? error.Hint) is null)
                err.WriteLine("hint: " + onlyHint);
        }
        else
        {
            foreach (var field in fields)
            {
                err.WriteLine("  " + field);
                if (field.Hint is { } fieldHint)
                    err.WriteLine("    hint: " + fieldHint);
            }
        }
        if ((hintOverride ?? error.Hint) is { } hint)
            err.WriteLine("hint: " + hint);
    }
}
