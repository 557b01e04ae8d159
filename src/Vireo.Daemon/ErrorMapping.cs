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
            Status = StatusFor(v.Code),
            Code = v.Code,
            Title = TitleFor(v.Code),
            Detail = v.Message,
            Hint = v.Hint,
            Errors = v.FieldErrors,
        },
        BadHttpRequestException b => new ApiError
        {
            Status = StatusCodes.Status400BadRequest,
            Code = ErrorCodes.Invalid,
            Title = TitleFor(ErrorCodes.Invalid),
            Detail = b.Message,
        },
        _ => new ApiError
        {
            Status = StatusCodes.Status500InternalServerError,
            Code = ErrorCodes.Internal,
            Title = TitleFor(ErrorCodes.Internal),
            Detail = $"{exception.GetType().Name}: {exception.Message} (this is a bug in Vireo; the daemon log has the details)",
        },
    };

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
