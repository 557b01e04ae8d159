using System.Text.Json;

namespace Vireo.Host.Network;

/// <summary>
/// Reads the JSON that host tools print (<c>ip -json</c>, <c>nft -j</c>). Their output is trusted less than it
/// looks: another program's rule comments, interface aliases and names end up in it. Whatever its shape, reading it
/// either succeeds or throws <see cref="InvalidDataException"/> naming the tool, never another exception type.
/// </summary>
internal static class ToolJson
{
    /// <summary>Most characters of tool output read (16 MiB: a ruleset of ~50,000 rules).</summary>
    public const int MaxChars = 16 * 1024 * 1024;

    /// <summary>Nesting beyond this is not tool output (nft's deepest expressions are under 20 levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>Parses <paramref name="json"/>; empty output reads as <paramref name="empty"/>.</summary>
    public static JsonDocument Parse(string tool, string json, string empty = "[]")
    {
        if (json.Length > MaxChars)
            throw new InvalidDataException($"{tool} printed {json.Length} characters of JSON; more than the {MaxChars} Vireo reads");
        try
        {
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? empty : json, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{tool} printed JSON that cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="read"/> over parsed output, turning the exceptions of a value of an unexpected kind
    /// (a string where a number was, an object where an array was, a missing member) into
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public static T Read<T>(string tool, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or OverflowException or IndexOutOfRangeException)
        {
            throw new InvalidDataException($"{tool} printed JSON of an unexpected shape: {e.Message}", e);
        }
    }
}
