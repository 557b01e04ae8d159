using System.Text.Json;

namespace Vireo.Integration.Tests.Support;

/// <summary>
/// Checks a JSON value against a schema of an OpenAPI 3.1 document, for the subset of JSON Schema that
/// Microsoft.AspNetCore.OpenApi writes: $ref to components, type (one or a list, "null" included), properties,
/// required, additionalProperties, items, enum, allOf/anyOf/oneOf. Strict where the document is silent: a property
/// that the schema does not list is an error (the document must describe everything the daemon sends).
/// </summary>
internal sealed class OpenApiSchemaChecker(JsonElement document)
{
    /// <summary>The schema of an answer: <c>paths[path][method].responses[status].content[mediaType].schema</c>.</summary>
    public JsonElement ResponseSchema(string path, string method, int status, string mediaType)
    {
        var responses = document.GetProperty("paths").GetProperty(path).GetProperty(method.ToLowerInvariant()).GetProperty("responses");
        var response = responses.TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var r) ? r
            : responses.TryGetProperty("default", out var d) ? d
            : throw new InvalidOperationException($"{method} {path} documents no {status} answer");
        response = Resolve(response);
        return response.GetProperty("content").GetProperty(mediaType).GetProperty("schema");
    }

    /// <summary>Every way <paramref name="value"/> breaks <paramref name="schema"/>, as "path: problem" lines.</summary>
    public List<string> Check(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Visit(schema, value, "$", errors);
        return errors;
    }

    private JsonElement Resolve(JsonElement schema)
    {
        for (var depth = 0; schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); depth++)
        {
            if (depth > 32)
                throw new InvalidOperationException("$ref loop");
            var target = document;
            foreach (var part in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
                target = target.GetProperty(part.Replace("~1", "/").Replace("~0", "~"));
            schema = target;
        }
        return schema;
    }

    private void Visit(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        schema = Resolve(schema);
        if (schema.ValueKind == JsonValueKind.True)
            return;
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here");
            return;
        }
        if (schema.TryGetProperty("allOf", out var allOf))
            foreach (var part in allOf.EnumerateArray())
                Visit(part, value, path, errors);
        foreach (var keyword in new[] { "anyOf", "oneOf" })
        {
            if (!schema.TryGetProperty(keyword, out var choices))
                continue;
            var failures = new List<string>();
            var matched = 0;
            foreach (var choice in choices.EnumerateArray())
            {
                var attempt = new List<string>();
                Visit(choice, value, path, attempt);
                if (attempt.Count == 0)
                    matched++;
                else
                    failures.AddRange(attempt);
            }
            if (matched == 0 || (keyword == "oneOf" && matched > 1))
                errors.Add($"{path}: matches {matched} of the {keyword} choices ({string.Join("; ", failures)})");
        }
        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{path}: {value.ValueKind} {Short(value)} is not of type {type.GetRawText()}");
            return;
        }
        if (schema.TryGetProperty("enum", out var values)
            && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
            errors.Add($"{path}: {Short(value)} is not one of {values.GetRawText()}");
        if (value.ValueKind == JsonValueKind.Object)
            VisitObject(schema, value, path, errors);
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
                Visit(items, item, $"{path}[{i++}]", errors);
        }
    }

    private void VisitObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        var describesObject = schema.TryGetProperty("properties", out var properties) | schema.TryGetProperty("additionalProperties", out var additional);
        if (schema.TryGetProperty("required", out var required))
            foreach (var name in required.EnumerateArray().Select(n => n.GetString()!))
                if (!value.TryGetProperty(name, out _))
                    errors.Add($"{path}: required property \"{name}\" is missing");
        if (!describesObject)
            return;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                Visit(propertySchema, property.Value, $"{path}.{property.Name}", errors);
            else if (additional.ValueKind is JsonValueKind.Object or JsonValueKind.True)
                Visit(additional, property.Value, $"{path}.{property.Name}", errors);
            else
                errors.Add($"{path}: property \"{property.Name}\" is not in the document's schema");
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement value) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => TypeMatches(t.GetString()!, value))
        : TypeMatches(type.GetString()!, value);

    private static bool TypeMatches(string type, JsonElement value) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => false,
    };

    private static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 60 ? text[..60] + "…" : text;
    }
}
