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
        CheckContentType(request);
        try
        {
            using var buffer = new MemoryStream();
            await new BoundedBody(request.Body, maxBytes).CopyToAsync(buffer, ct);
            var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty)
                throw Empty();
            var body = JsonSerializer.Deserialize(bytes.Span, StrictType(type)) ?? throw Empty();
            return MissingDefaults.Fill(body, bytes);
        }
        catch (JsonException e)
        {
            throw Invalid(e);
        }
    }

    private static InvalidInputException Empty() => new("the request body is empty; send a JSON object",
        [new FieldError { Field = "body", Message = "is empty; send a JSON object" }]);

    /// <summary>The body as <typeparamref name="T"/>; null when there is none (optional request options).</summary>
    public static async Task<T?> ReadOptionalAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct) where T : class
    {
        CheckLength(request);
        if (request.ContentLength is 0)
            return null;
        CheckContentType(request);
        try
        {
            using var reader = new StreamReader(new BoundedBody(request.Body, MaxBytes));
            var text = await reader.ReadToEndAsync(ct);
            return string.IsNullOrWhiteSpace(text) ? null
                : JsonSerializer.Deserialize(text, StrictType(type)) is { } body ? MissingDefaults.Fill(body, System.Text.Encoding.UTF8.GetBytes(text)) : null;
        }
        catch (JsonException e)
        {
            throw Invalid(e);
        }
    }

    /// <summary>
    /// The wire options with unknown members refused: a request that names a field the API does not have (a typo,
    /// or a field of a newer API) gets a 400 naming it instead of being half applied. Responses are read leniently
    /// by clients (the same types, <see cref="VireoJsonContext.Default"/>), so a newer daemon can add fields.
    /// </summary>
    internal static readonly JsonSerializerOptions StrictOptions = MakeStrict();

    private static JsonSerializerOptions MakeStrict()
    {
        var options = new JsonSerializerOptions(VireoJsonContext.Default.Options)
        {
            UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary><paramref name="type"/> under <see cref="StrictOptions"/>.</summary>
    internal static JsonTypeInfo<T> StrictType<T>(JsonTypeInfo<T> type) => (JsonTypeInfo<T>)StrictOptions.GetTypeInfo(type.Type);

    /// <summary>
    /// A body that says it is something else than JSON (a form, plain text) is refused with 415; a body without a
    /// Content-Type is read as JSON, as before.
    /// </summary>
    private static void CheckContentType(HttpRequest request)
    {
        var contentType = request.ContentType;
        if (string.IsNullOrWhiteSpace(contentType))
            return;
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.MediaType.Value is { } value
            && (value.Equals("application/json", StringComparison.OrdinalIgnoreCase) || value.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
            return;
        throw new UnsupportedBodyException(contentType);
    }

    private static void CheckLength(HttpRequest request, int maxBytes = MaxBytes)
    {
        if (request.ContentLength > maxBytes)
            throw new InvalidInputException($"the request body is larger than {maxBytes / 1024} KiB");
    }

    private static InvalidInputException Invalid(JsonException e)
    {
        var field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "body";
        // "The JSON property 'colour' could not be mapped to any .NET member contained in type '...'."
        if (e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.Match(e.Message, "property '([^']*)'") is { Success: true } unknown)
        {
            var name = unknown.Groups[1].Value;
            // The path names the member itself or the object that holds it, depending on where the reader stopped.
            var fieldPath = field == "body" || field == name ? name
                : field.EndsWith("." + name, StringComparison.Ordinal) ? field
                : field + "." + name;
            return new InvalidInputException($"invalid request body: unknown field \"{fieldPath}\"",
                [new FieldError { Field = fieldPath, Message = "is not a field of this request", Hint = "Remove it, or check its spelling against the API reference (/api/reference)." }]);
        }
        var problem = e.Message.Contains("required", StringComparison.OrdinalIgnoreCase) ? e.Message : $"cannot be read: {e.Message.Split(". Path", 2)[0]}";
        return new InvalidInputException($"invalid request body: {e.Message}", [new FieldError { Field = field, Message = problem }]);
    }
}

/// <summary>
/// The defaults of fields a body left out. The source-generated reader builds types with init-only properties
/// through an object initializer that passes default(T) for every absent member, so a property initializer such as
/// <c>DiskSpec.Device = "disk"</c> or <c>ImageImportRequest.Firmware = []</c> is lost: a body without the field
/// became a null (or false, or 0) where the code and the API reference promise a value: a 500 further on (found by the
/// hostile-names test: POST /v1/vms/{name}/disks without "device"), and a NIC without "link" was attached
/// unplugged. This puts back, from a default instance, every member the JSON leaves out, in the body and in the
/// contract objects it holds.
/// </summary>
internal static class MissingDefaults
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, object?> Defaults = new();

    /// <summary>Puts the default instance's value into every member of <paramref name="body"/> that <paramref name="json"/> leaves out.</summary>
    public static T Fill<T>(T body, ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        Fill(body, document.RootElement, depth: 0);
        return body;
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Request types are rooted by the JSON context.")]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Request types are rooted by the JSON context.")]
    private static void Fill(object? value, JsonElement json, int depth)
    {
        if (value is null || depth > 16) return;
        if (value is System.Collections.IEnumerable items and not string)
        {
            if (json.ValueKind != JsonValueKind.Array || value is System.Collections.IDictionary) return;
            using var elements = json.EnumerateArray().GetEnumerator();
            foreach (var item in items)
                if (elements.MoveNext()) Fill(item, elements.Current, depth + 1);
            return;
        }
        var type = value.GetType();
        if (json.ValueKind != JsonValueKind.Object || !type.IsClass || type.Assembly != typeof(VireoJsonContext).Assembly) return;
        var defaults = Defaults.GetOrAdd(type, New);
        foreach (var property in JsonBody.StrictOptions.GetTypeInfo(type).Properties)
        {
            if (property.AttributeProvider is not System.Reflection.PropertyInfo member || !member.CanRead || member.GetIndexParameters().Length > 0) continue;
            if (json.TryGetProperty(property.Name, out var child))
                Fill(member.GetValue(value), child, depth + 1);
            else if (defaults is not null && member.CanWrite && member.GetValue(defaults) is { } fallback && !fallback.Equals(member.GetValue(value)))
                member.SetValue(value, fallback);
        }
    }

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "Request types are rooted by the JSON context.")]
    private static object? New(Type type)
    {
        if (type.GetConstructor(Type.EmptyTypes) is null) return null;
        try { return Activator.CreateInstance(type); }
        catch (System.Reflection.TargetInvocationException) { return null; }
    }
}

/// <summary>
/// A request body read only up to its limit: Content-Length is checked up front, but a chunked body has none, and
/// without this it would be read up to Kestrel's 30 MB before the JSON reader saw its end.
/// </summary>
internal sealed class BoundedBody(Stream inner, int maxBytes) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
        Count(await inner.ReadAsync(buffer, ct).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private int Count(int n)
    {
        _read += n;
        if (_read > maxBytes)
            throw new InvalidInputException($"the request body is larger than {maxBytes / 1024} KiB");
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A request body in a media type the route does not read (HTTP 415, code <c>invalid</c>).</summary>
internal sealed class UnsupportedBodyException(string contentType)
    : VireoException(ErrorCodes.Invalid, $"the request body is \"{contentType}\"; this request takes JSON (Content-Type: application/json)")
{
    public override IReadOnlyList<FieldError> FieldErrors { get; } =
        [new FieldError { Field = "Content-Type", Value = contentType, Message = "is not JSON", Hint = "Send the body as application/json." }];
}
