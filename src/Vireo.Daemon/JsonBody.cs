using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// Request bodies as typed JSON (source-generated), with every failure a 400 that names the field: what every
/// route with a body uses.
/// </summary>
internal static class JsonBody
{
    /// <summary>Largest body accepted by routes that take a small JSON object.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The body as <typeparamref name="T"/>; an empty body is an error.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct, int maxBytes = MaxBytes)
    {
        CheckLength(request, maxBytes);
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, ct)
                ?? throw new InvalidInputException("the request body is empty; send a JSON object");
        }
        catch (JsonException e)
        {
            throw Invalid(e);
        }
    }

    /// <summary>The body as <typeparamref name="T"/>; null when there is none (optional request options).</summary>
    public static async Task<T?> ReadOptionalAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        CheckLength(request);
        if (request.ContentLength is 0)
            return null;
        try
        {
            using var reader = new StreamReader(request.Body);
            var text = await reader.ReadToEndAsync(ct);
            return string.IsNullOrWhiteSpace(text) ? null : JsonSerializer.Deserialize(text, type);
        }
        catch (JsonException e)
        {
            throw Invalid(e);
        }
    }

    private static void CheckLength(HttpRequest request, int maxBytes = MaxBytes)
    {
        if (request.ContentLength > maxBytes)
            throw new InvalidInputException($"the request body is larger than {maxBytes / 1024} KiB");
    }

    private static InvalidInputException Invalid(JsonException e)
    {
        var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
        var problem = e.Message.Contains("required", StringComparison.OrdinalIgnoreCase) ? e.Message : $"cannot be read: {e.Message.Split(". Path", 2)[0]}";
        return new InvalidInputException($"invalid request body: {e.Message}", [new FieldError { Field = field, Message = problem }]);
    }
}
