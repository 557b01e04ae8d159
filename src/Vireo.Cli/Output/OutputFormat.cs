using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Cli.Options;

namespace Vireo.Cli.Output;

/// <summary>The <c>--output table|json</c> option every read command takes.</summary>
internal static class OutputFormat
{
    public const string Table = "table";
    public const string Json = "json";

    public static Option<string> CreateOption() =>
        Opt.ChoiceWithDefault("--output", "table (for people) or json (the API's JSON document, nothing else on stdout)",
            Table, [Table, Json], "-o");

    /// <summary>
    /// Writes <paramref name="value"/> with its source-generated metadata; only the escaping is relaxed, so that
    /// paths and messages read as typed (a terminal, not an HTML page, shows them; jq decodes either way).
    /// </summary>
    public static void WriteJson<T>(CliEnvironment env, T value, JsonTypeInfo<T> type)
    {
        var options = new JsonSerializerOptions(type.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        env.Out.WriteLine(JsonSerializer.Serialize(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T))));
    }
}
