using Vireo.Contracts;

namespace Vireo.Daemon;

/// <summary>
/// Turns every exception into an <see cref="ApiError"/> body (<c>application/problem+json</c>, RFC 9457) with the
/// status from <see cref="ErrorMapping"/>, and gives the same body to the errors the framework answers without one
/// (no such route, wrong method, a binder refusal): every failed request has a problem document.
/// </summary>
internal sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> log)
{
    public const string ProblemJson = "application/problem+json";

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (context.Response is { HasStarted: false, StatusCode: >= 400 } response && response.ContentType is null
                && (response.ContentLength is null or 0) && !HttpMethods.IsHead(context.Request.Method))
                await WriteAsync(context, Bare(context));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            var error = ErrorMapping.ToApiError(e);
            if (error.Status >= 500)
                log.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            else
                log.LogInformation("{Method} {Path}: {Status} {Detail}", context.Request.Method, context.Request.Path, error.Status, error.Detail);
            if (context.Response.HasStarted)
                return;
            context.Response.Clear();
            if (e is RateLimitedException limited)
                context.Response.Headers.RetryAfter = limited.RetryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (e is UnauthorizedException)
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"vireo\"";
            await WriteAsync(context, error);
        }
    }

    private static Task WriteAsync(HttpContext context, ApiError error)
    {
        context.Response.StatusCode = error.Status;
        return context.Response.WriteAsJsonAsync(error with { Instance = error.Instance ?? context.Request.Path.Value },
            VireoJsonContext.Default.ApiError, ProblemJson);
    }

    /// <summary>The problem for a status the framework set with no body.</summary>
    private static ApiError Bare(HttpContext context)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        var (code, title, detail) = status switch
        {
            StatusCodes.Status404NotFound => (ErrorCodes.NotFound, "not found",
                $"no such API path: {request.Method} {request.Path}"),
            StatusCodes.Status405MethodNotAllowed => (ErrorCodes.Invalid, "method not allowed",
                $"{request.Path} does not take {request.Method}" + (context.Response.Headers.Allow.ToString() is { Length: > 0 } allow ? $"; it takes {allow}" : "")),
            StatusCodes.Status415UnsupportedMediaType => (ErrorCodes.Invalid, "unsupported media type",
                $"{request.Method} {request.Path} does not read a body of type \"{request.ContentType}\""),
            StatusCodes.Status400BadRequest => (ErrorCodes.Invalid, "invalid request", "the request could not be read"),
            // An authentication layer that answers without a body still answers a problem document.
            StatusCodes.Status401Unauthorized => ("unauthorized", "unauthorized", $"{request.Method} {request.Path} needs a valid token"),
            StatusCodes.Status403Forbidden => ("forbidden", "forbidden", $"{request.Method} {request.Path} is not allowed for this caller"),
            _ => (status >= 500 ? ErrorCodes.Internal : ErrorCodes.Invalid, ReasonPhrase(status), $"{request.Method} {request.Path} answered HTTP {status}"),
        };
        return new ApiError
        {
            Status = status,
            Type = ErrorMapping.TypeFor(code),
            Code = code,
            Title = title,
            Detail = detail,
            Hint = status switch
            {
                StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed => "The API reference is at /api/reference; its OpenAPI document at /openapi/v1.json.",
                StatusCodes.Status415UnsupportedMediaType => "Send JSON bodies with Content-Type: application/json (specs also as application/yaml).",
                _ => null,
            },
        };
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase.ToLowerInvariant() : "error";
}
