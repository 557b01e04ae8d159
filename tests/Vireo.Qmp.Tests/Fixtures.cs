using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qmp.Tests;

/// <summary>Real QMP traffic recorded from QEMU 7.2 (see Fixtures/README.md).</summary>
internal static class QmpFixtures
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures");

    private static readonly Lazy<Dictionary<string, JsonObject>> Replies = new(() =>
        File.ReadLines(Path.Combine(Dir, "qemu-7.2-replies.jsonl"))
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .ToDictionary(o => o["command"]!.GetValue<string>(), o => o["reply"]!.AsObject()));

    public static string Greeting => File.ReadAllText(Path.Combine(Dir, "qemu-7.2-greeting.json")).Trim();

    /// <summary>The recorded reply for <paramref name="key"/>, with its id replaced by <paramref name="id"/>.</summary>
    public static string Reply(string key, long id)
    {
        var reply = Replies.Value[key].DeepClone().AsObject();
        reply["id"] = id;
        return reply.ToJsonString();
    }

    /// <summary>The <c>"return"</c> value of a recorded reply.</summary>
    public static JsonElement ReturnOf(string key) =>
        JsonDocument.Parse(Replies.Value[key]["return"]!.ToJsonString()).RootElement.Clone();

    /// <summary>Event lines of a fixture file (each exactly as QEMU or the reference wrote it).</summary>
    public static IReadOnlyList<string> Events(string file) =>
        File.ReadLines(Path.Combine(Dir, file)).Where(l => l.Length > 0).ToArray();

    /// <summary>The first event line named <paramref name="name"/> in <paramref name="file"/>.</summary>
    public static string Event(string file, string name) =>
        Events(file).First(l => JsonNode.Parse(l)!["event"]!.GetValue<string>() == name);
}
