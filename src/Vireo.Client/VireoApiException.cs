using System.Net;
using Vireo.Contracts;

namespace Vireo.Client;

/// <summary>
/// vireod answered with an error: <see cref="Error"/> is its <see cref="ApiError"/> body (or one synthesized from the
/// HTTP status when the body was not an ApiError, e.g. a proxy or an unknown route).
/// </summary>
public sealed class VireoApiException : Exception
{
    /// <summary>Creates the exception for a failed response.</summary>
    public VireoApiException(HttpStatusCode statusCode, ApiError error)
        : base(error.Detail ?? error.Title)
    {
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>HTTP status of the response.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The error body; <see cref="ApiError.Code"/> is one of <see cref="ErrorCodes"/>.</summary>
    public ApiError Error { get; }

    /// <summary>Shortcut for <c>Error.Code</c>.</summary>
    public string Code => Error.Code;
}
