using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>The one table from engine errors to HTTP statuses and API error bodies.</summary>
internal static class ErrorMapping
{
    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.Invalid => StatusCodes.Status400BadRequest,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.AlreadyExists or ErrorCodes.InvalidState or ErrorCodes.Busy => StatusCodes.Status409Conflict,
        ErrorCodes.Stale => StatusCodes.Status412PreconditionFailed,
        ErrorCodes.QemuError => StatusCodes.Status502BadGateway,
        ErrorCodes.Timeout => StatusCodes.Status504GatewayTimeout,
        ErrorCodes.Unavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.HostError => StatusCodes.Status500InternalServerError,
        StorageErrorCodes.NoSpace => StatusCodes.Status507InsufficientStorage,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static ApiError ToApiError(Exception exception) => exception switch
    {
        VireoException v => new ApiError
        {
            Status = v is UnsupportedBodyException ? StatusCodes.Status415UnsupportedMediaType : StatusFor(v.Code),
            Type = TypeFor(v.Code),
            Code = v.Code,
            Title = TitleFor(v.Code),
            Detail = v.Message,
            Hint = v.Hint,
            Errors = v.FieldErrors,
        },
        BadHttpRequestException b => BadRequest(b),
        _ => new ApiError
        {
            Status = StatusCodes.Status500InternalServerError,
            Type = TypeFor(ErrorCodes.Internal),
            Code = ErrorCodes.Internal,
            Title = TitleFor(ErrorCodes.Internal),
            Detail = $"{exception.GetType().Name}: {exception.Message} (this is a bug in Vireo; the daemon log has the details)",
        },
    };

    /// <summary>The RFC 9457 problem type of a code: a URN, since it names the kind of problem and is not fetched.</summary>
    public static string TypeFor(string code) => "urn:vireo:error:" + code;

    /// <summary>
    /// What Kestrel and the minimal-API binder refuse before a handler runs: a query or route value of the wrong
    /// type ("Failed to bind parameter \"bool? async\" from \"maybe\"."), a missing required value, a body too large.
    /// </summary>
    private static ApiError BadRequest(BadHttpRequestException b)
    {
        var errors = new List<FieldError>();
        var detail = b.Message;
        var bind = System.Text.RegularExpressions.Regex.Match(b.Message, "^Failed to bind parameter \"[^\"]*? (\\w+)\" from \"(.*)\"\\.$");
        if (bind.Success)
        {
            var field = Snake(bind.Groups[1].Value);
            detail = $"invalid parameter: {field}: \"{bind.Groups[2].Value}\" is not a valid value";
            errors.Add(new FieldError { Field = field, Value = bind.Groups[2].Value, Message = "is not a valid value" });
        }
        var missing = System.Text.RegularExpressions.Regex.Match(b.Message, "^Required parameter \"[^\"]*? (\\w+)\" was not provided");
        if (missing.Success)
        {
            var field = Snake(missing.Groups[1].Value);
            detail = $"missing parameter: {field}";
            errors.Add(new FieldError { Field = field, Message = "is required" });
        }
        var status = b.StatusCode is >= 400 and < 500 ? b.StatusCode : StatusCodes.Status400BadRequest;
        return new ApiError
        {
            Status = status,
            Type = TypeFor(ErrorCodes.Invalid),
            Code = ErrorCodes.Invalid,
            Title = TitleFor(ErrorCodes.Invalid),
            Detail = detail,
            Errors = errors,
        };
    }

    private static string Snake(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static string TitleFor(string code) => code switch
    {
        ErrorCodes.Invalid => "invalid request",
        ErrorCodes.NotFound => "not found",
        ErrorCodes.AlreadyExists => "already exists",
        ErrorCodes.InvalidState => "not allowed in the current state",
        ErrorCodes.Busy => "busy",
        ErrorCodes.Stale => "changed since read",
        ErrorCodes.QemuError => "QEMU error",
        ErrorCodes.HostError => "host networking error",
        StorageErrorCodes.NoSpace => "not enough space",
        ErrorCodes.Timeout => "timed out",
        ErrorCodes.Unavailable => "unavailable",
        ErrorCodes.Unauthorized => "authentication required",
        ErrorCodes.Forbidden => "not allowed",
        ErrorCodes.RateLimited => "too many failed logins",
        _ => "internal error",
    };
}
