using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>401: no credentials, or ones that authenticate no one.</summary>
internal sealed class UnauthorizedException(string message) : VireoException(ErrorCodes.Unauthorized, message);

/// <summary>403: the caller is known but may not do this.</summary>
internal sealed class ForbiddenException(string message) : VireoException(ErrorCodes.Forbidden, message);

/// <summary>429: too many failed logins from one address; <see cref="RetryAfter"/> goes out as Retry-After.</summary>
internal sealed class RateLimitedException(string message, int retryAfterSeconds) : VireoException(ErrorCodes.RateLimited, message)
{
    public int RetryAfter { get; } = retryAfterSeconds;
}
