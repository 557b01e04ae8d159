using Vireo.Contracts;

namespace Vireo.Daemon;

/// <summary>Turns every exception into an <see cref="ApiError"/> body with the status from <see cref="ErrorMapping"/>.</summary>
internal sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
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
            context.Response.StatusCode = error.Status;
            if (e is RateLimitedException limited)
                context.Response.Headers.RetryAfter = limited.RetryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (e is UnauthorizedException)
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"vireo\"";
            await context.Response.WriteAsJsonAsync(error, VireoJsonContext.Default.ApiError);
        }
    }
}
