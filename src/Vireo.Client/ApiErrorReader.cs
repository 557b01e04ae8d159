using System.Net;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

/// <summary>Turns a failed response into a <see cref="VireoApiException"/>, whatever its body looks like.</summary>
internal static class ApiErrorReader
{
    public static async Task<VireoApiException> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            body = "";
        }
        return FromBody(response.StatusCode, response.ReasonPhrase, body);
    }

    public static VireoApiException FromBody(HttpStatusCode status, string? reason, string body)
    {
        ApiError? error = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                error = JsonSerializer.Deserialize(body, VireoJsonContext.Default.ApiError);
            }
            catch (JsonException)
            {
                // Not an ApiError (a proxy page, a framework 404...): fall back to the status below.
            }
        }
        error ??= new ApiError
        {
            Status = (int)status,
            Code = CodeFor(status),
            Title = reason ?? status.ToString(),
            Detail = string.IsNullOrWhiteSpace(body)
                ? $"vireod answered HTTP {(int)status} {reason}"
                : $"vireod answered HTTP {(int)status} {reason}: {Truncate(body.Trim(), 300)}",
        };
        return new VireoApiException(status, error);
    }

    /// <summary>The code the daemon would have used for a status, for bodies that carry none.</summary>
    internal static string CodeFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity
            => ErrorCodes.Invalid,
        HttpStatusCode.NotFound => ErrorCodes.NotFound,
        HttpStatusCode.Conflict => ErrorCodes.InvalidState,
        HttpStatusCode.BadGateway => ErrorCodes.QemuError,
        HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout => ErrorCodes.Timeout,
        HttpStatusCode.ServiceUnavailable => ErrorCodes.Unavailable,
        _ => ErrorCodes.Internal,
    };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}
