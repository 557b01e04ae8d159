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
                WriteApiError(err, api.Error);
                if (hintFor?.Invoke(api.Code) is { } hint)
                    err.WriteLine("hint: " + hint);
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

    public static void WriteApiError(TextWriter err, ApiError error)
    {
        string text = string.IsNullOrWhiteSpace(error.Detail) ? error.Title : error.Detail;
        err.WriteLine("error: " + text);
        foreach (var field in error.Errors)
            err.WriteLine("  " + field);
    }
}
