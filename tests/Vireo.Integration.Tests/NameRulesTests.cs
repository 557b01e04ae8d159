using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// Hostile names, everywhere a name enters, through the API and the CLI: a path ("../", "/"), NUL and control
/// characters, Unicode lookalikes (Cyrillic, fullwidth, a zero-width joiner, a right-to-left override) and a 1 MB
/// string. Each is refused with a 4xx (API) or exit status 2 (CLI) that names the field, and nothing is created.
/// </summary>
[Trait("Category", "Reliability")]
public sealed class NameRulesTests(ITestOutputHelper output)
{
    private static readonly string Huge = new('a', 1024 * 1024);

    /// <summary>Kind of bad name, the name, and whether it is bad as free text too (token descriptions).</summary>
    private static readonly (string What, string Name, bool BadAsText)[] BadNames =
    [
        ("../ path", "../etc", false),
        ("/ in the name", "a/b", false),
        ("NUL", "web\0", true),
        ("escape (control)", "web\u001b[2J", true),
        ("Cyrillic a lookalike", "w\u0435b", false),
        ("fullwidth letters", "\uff57\uff45\uff42", false),
        ("zero-width joiner", "we\u200db", true),
        ("right-to-left override", "web\u202egpj", true),
        ("1 MB string", Huge, true),
    ];

    [Fact]
    public async Task Hostile_names_are_refused_everywhere_a_name_enters_and_create_nothing()
    {
        await using var h = await VireoHarness.StartAsync(output);
        var kernel = Path.Combine(TinyImage.Dir, "kernel");
        await h.VireoOk("create", "--name", "base", "--memory", "64", "--boot", $"kernel={kernel}");
        await h.VireoOk("vol", "create", "default/data.qcow2", "--size", "1M");
        using var http = ApiContractTests.Raw(h.Socket);
        var before = await InventoryAsync(http);
        var watch = Stopwatch.StartNew();

        // Where a name enters the API: the request, and the JSON path of the field that carries it.
        var api = new (string Entry, string Method, string Url, Func<string, JsonObject> Body, string Field, bool IsText)[]
        {
            ("VM define", "POST", "/v1/vms", n => new() { ["name"] = n, ["memory"] = 64, ["boot"] = new JsonObject { ["kernel"] = kernel } }, "name", false),
            ("VM rename", "POST", "/v1/vms/base/rename", n => new() { ["name"] = n }, "name", false),
            ("VM clone", "POST", "/v1/vms/base/clone", n => new() { ["name"] = n }, "name", false),
            ("network", "POST", "/v1/networks", n => new() { ["name"] = n, ["mode"] = "isolated" }, "name", false),
            ("pool", "POST", "/v1/pools", n => new() { ["name"] = n, ["path"] = Path.Combine(h.StateDir, "p") }, "name", false),
            ("volume", "POST", "/v1/pools/default/volumes", n => new() { ["name"] = n, ["size"] = "1M" }, "name", false),
            ("snapshot", "POST", "/v1/vms/base/snapshots", n => new() { ["name"] = n }, "name", false),
            ("image", "POST", "/v1/images", n => new() { ["name"] = n, ["from"] = "default/data.qcow2", ["os"] = "linux" }, "name", false),
            ("disk (volume name)", "POST", "/v1/vms/base/disks", n => new() { ["volume"] = "default/" + n }, "volume", false),
            ("token description", "POST", "/v1/tokens", n => new() { ["role"] = "viewer", ["description"] = n }, "description", true),
        };
        var failures = new List<string>();
        var checks = 0;
        foreach (var (what, name, badAsText) in BadNames)
        {
            foreach (var (entry, method, url, body, field, isText) in api)
            {
                if (isText && !badAsText) continue;
                checks++;
                using var request = new HttpRequestMessage(new HttpMethod(method), url)
                {
                    Content = new StringContent(body(name).ToJsonString(), Encoding.UTF8, "application/json"),
                };
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status is < 400 or >= 500)
                    failures.Add($"API {entry}, {what}: HTTP {status}: {Cut(text)}");
                else if (name != Huge && !NamesField(text, field))
                    failures.Add($"API {entry}, {what}: HTTP {status} without the field \"{field}\" named: {Cut(text)}");
            }
            // A name in the URL: looked up, never found, never a 5xx.
            if (name.Length < 4096)
            {
                checks++;
                using var get = await http.GetAsync("/v1/vms/" + Uri.EscapeDataString(name));
                if ((int)get.StatusCode is < 400 or >= 500)
                    failures.Add($"API GET /v1/vms/{{name}}, {what}: HTTP {(int)get.StatusCode}");
            }
        }

        // The CLI: every command that names something new; the message names the field or the argument (NAME, DST). A process argument cannot hold NUL, nor more than
        // 128 KiB (MAX_ARG_STRLEN): those two go through the API only (above).
        var cli = new (string Entry, Func<string, string[]> Args, string Field, bool IsText)[]
        {
            ("create", n => ["create", "--name", n, "--memory", "64", "--boot", $"kernel={kernel}"], "name", false),
            ("rename", n => ["rename", "base", n], "name", false),
            ("clone", n => ["clone", "base", n], "DST|name", false),
            ("net create", n => ["net", "create", n, "--mode", "isolated"], "NETWORK|name", false),
            ("pool create", n => ["pool", "create", n, "--path", Path.Combine(h.StateDir, "p")], "pool", false),
            ("vol create", n => ["vol", "create", "default/" + n, "--size", "1M"], "VOLUME|name", false),
            ("snapshot create", n => ["snapshot", "create", "base", n], "SNAPSHOT|name", false),
            ("disk attach", n => ["disk", "attach", "base", "default/" + n], "SOURCE|volume", false),
            ("remote add", n => ["remote", "add", n, "https://127.0.0.1:1", "--accept-certificate"], "NAME|remote name", false),
            ("token create", n => ["token", "create", "--role", "viewer", "--description", n], "description", true),
        };
        foreach (var (what, name, badAsText) in BadNames)
        {
            if (name.Contains('\0')) continue;
            var arg = name == Huge ? new string('a', 100_000) : name;
            foreach (var (entry, args, field, isText) in cli)
            {
                if (isText && !badAsText) continue;
                checks++;
                var result = await h.Vireo(args(arg));
                if (result.ExitCode != 2)
                    failures.Add($"CLI {entry}, {what}: exit {result.ExitCode}: {Cut(result.Stderr + result.Stdout)}");
                else if (!field.Split('|').Any(f => result.Stderr.Contains(f, StringComparison.OrdinalIgnoreCase)))
                    failures.Add($"CLI {entry}, {what}: does not name the {field}: {Cut(result.Stderr)}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {checks} checks failed:\n" + string.Join("\n", failures));
        var after = await InventoryAsync(http);
        foreach (var (what, list) in before)
            Assert.True(list == after[what], $"{what} changed:\nbefore: {Cut(list)}\nafter:  {Cut(after[what])}");
        Assert.Empty(h.QemuPids());
        Assert.False(Directory.Exists(Path.Combine(h.StateDir, "p")), "a pool directory was created");
        ReliabilityReport.Record("fuzz", "hostile names (../, /, NUL, control, Cyrillic, fullwidth, ZWJ, RTL override, 1 MB) at every API and CLI entry",
            $"{checks} attempts over {api.Length} API requests and {cli.Length} CLI commands: every one a 4xx / exit 2 naming the field; nothing created ({watch.Elapsed.TotalSeconds:0} s)");
    }

    private static bool NamesField(string problem, string field)
    {
        try
        {
            var doc = JsonNode.Parse(problem)!;
            if (doc["errors"] is JsonArray errors && errors.Any(e => e?["field"]?.GetValue<string>() is { } f
                    && (f == field || f.EndsWith("." + field, StringComparison.Ordinal))))
                return true;
            return doc["detail"]?.GetValue<string>() is { } detail && detail.Contains(field, StringComparison.OrdinalIgnoreCase);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<Dictionary<string, string>> InventoryAsync(HttpClient http)
    {
        var lists = new Dictionary<string, string>();
        foreach (var url in new[] { "/v1/vms", "/v1/networks", "/v1/pools", "/v1/pools/default/volumes", "/v1/vms/base/snapshots", "/v1/images", "/v1/tokens" })
        {
            using var response = await http.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode}");
            lists[url] = Strip(await response.Content.ReadAsStringAsync());
        }
        return lists;
    }

    // Live figures (timestamps, usage) are not what "nothing changed" means: compare the names only.
    private static string Strip(string json)
    {
        var names = new List<string>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (k, v) in o)
                        if (k is "name" or "id" && v is JsonValue) names.Add(v.ToJsonString());
                        else Walk(v);
                    break;
                case JsonArray a:
                    foreach (var v in a) Walk(v);
                    break;
            }
        }
        Walk(JsonNode.Parse(json));
        names.Sort(StringComparer.Ordinal);
        return string.Join(",", names);
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
