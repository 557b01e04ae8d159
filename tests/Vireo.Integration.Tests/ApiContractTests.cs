using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The API contract over a real vireod on its Unix socket: the OpenAPI document it serves is the committed
/// docs/openapi.json, live answers match the document's schemas, every error is a problem document, request
/// bodies refuse unknown fields, lifecycle actions run as operations, and a concurrent edit is detected.
/// </summary>
public sealed class ApiContractTests(ITestOutputHelper output)
{
    private const string ProblemJson = "application/problem+json";
    private static string CommittedDocument => Path.Combine(Repo.Root, "docs", "openapi.json");

    internal static HttpClient Raw(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
        AllowAutoRedirect = false,
    }) { BaseAddress = new Uri("http://localhost"), Timeout = TimeSpan.FromSeconds(60) };

    private static string Normalise(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .ReplaceLineEndings("\n") + "\n";

    [Fact]
    public async Task The_served_OpenAPI_document_is_the_committed_one_and_describes_the_wire_format()
    {
        await using var h = await VireoHarness.StartAsync(output);
        using var http = Raw(h.Socket);
        using var response = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Normalise(await response.Content.ReadAsStringAsync());
        if (Environment.GetEnvironmentVariable("VIREO_UPDATE_OPENAPI") == "1")
            await File.WriteAllTextAsync(CommittedDocument, served);

        Assert.True(File.Exists(CommittedDocument), $"{CommittedDocument} is missing; make it with scripts/update-openapi.sh");
        var committed = Normalise(await File.ReadAllTextAsync(CommittedDocument));
        if (served != committed)
        {
            var a = committed.Split('\n');
            var b = served.Split('\n');
            var line = Enumerable.Range(0, Math.Max(a.Length, b.Length)).First(i => i >= a.Length || i >= b.Length || a[i] != b[i]);
            Assert.Fail($"docs/openapi.json differs from the document vireod serves, first at line {line + 1}:\n"
                + $"  committed: {a.ElementAtOrDefault(line)?.Trim()}\n  served:    {b.ElementAtOrDefault(line)?.Trim()}\n"
                + "If the API change is intended, regenerate it with scripts/update-openapi.sh "
                + "(it runs this test with VIREO_UPDATE_OPENAPI=1) and commit docs/openapi.json.");
        }

        // Useful, not just present: snake_case names, problem documents, one id and a tag per operation.
        using var doc = JsonDocument.Parse(served);
        var root = doc.RootElement;
        Assert.StartsWith("3.1", root.GetProperty("openapi").GetString());
        var schemas = root.GetProperty("components").GetProperty("schemas");
        var vmInfo = schemas.GetProperty("VmInfo").GetProperty("properties");
        Assert.True(vmInfo.TryGetProperty("serial_log", out _), "VmInfo.serial_log (snake_case) is not in the document");
        Assert.False(vmInfo.TryGetProperty("SerialLog", out _));
        Assert.False(vmInfo.TryGetProperty("serialLog", out _));
        var apiError = schemas.GetProperty("ApiError").GetProperty("properties");
        foreach (var field in new[] { "status", "code", "title", "detail", "hint", "errors", "type", "instance" })
            Assert.True(apiError.TryGetProperty(field, out _), $"ApiError.{field} is not in the document");
        var ids = new List<string>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                ids.Add(operation.Value.GetProperty("operationId").GetString()!);
                Assert.True(operation.Value.GetProperty("tags").GetArrayLength() > 0, $"{operation.Name} {path.Name} has no tag");
                Assert.True(operation.Value.TryGetProperty("summary", out _), $"{operation.Name} {path.Name} has no summary (add it to ApiContract.Table)");
                Assert.True(operation.Value.GetProperty("responses").TryGetProperty("default", out var fallback), $"{operation.Name} {path.Name} has no default answer");
                Assert.True(fallback.GetProperty("content").TryGetProperty(ProblemJson, out _));
            }
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var getVm = root.GetProperty("paths").GetProperty("/v1/vms/{name}").GetProperty("get");
        Assert.Equal("getVm", getVm.GetProperty("operationId").GetString());
        Assert.True(getVm.GetProperty("responses").TryGetProperty("404", out _));
        var action = root.GetProperty("paths").GetProperty("/v1/vms/{name}/{action}").GetProperty("post").GetProperty("responses");
        Assert.Contains("OperationInfo", action.GetProperty("202").GetRawText());
        var patch = root.GetProperty("paths").GetProperty("/v1/vms/{name}").GetProperty("patch");
        Assert.Contains("VmSettings", patch.GetProperty("requestBody").GetRawText());
        Assert.True(patch.GetProperty("responses").TryGetProperty("412", out _));
    }

    [Fact]
    public async Task Live_answers_match_the_schemas_of_the_document()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "doc1", "--image", "tiny", "--memory", "128", "--network", "none");
        using var http = Raw(h.Socket);
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var checker = new OpenApiSchemaChecker(document.RootElement);

        async Task<JsonElement> Check(HttpMethod method, string url, string path, int status, HttpContent? body = null)
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, url) { Content = body });
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{method} {url}: {(int)response.StatusCode} {text}");
            var mediaType = response.Content.Headers.ContentType!.MediaType!;
            var value = JsonDocument.Parse(text).RootElement.Clone();
            var errors = checker.Check(checker.ResponseSchema(path, method.Method, status, mediaType), value);
            Assert.True(errors.Count == 0, $"{method} {url} ({status} {mediaType}) does not match the document:\n{string.Join("\n", errors)}\n{text}");
            return value;
        }

        var host = await Check(HttpMethod.Get, "/v1/host", "/v1/host", 200);
        await Check(HttpMethod.Get, "/v1/vms", "/v1/vms", 200);
        var vm = await Check(HttpMethod.Get, "/v1/vms/doc1", "/v1/vms/{name}", 200);
        Assert.Equal("doc1", vm.GetProperty("name").GetString());
        await Check(HttpMethod.Get, "/v1/operations", "/v1/operations", 200);
        await Check(HttpMethod.Get, "/v1/networks", "/v1/networks", 200);
        var missing = await Check(HttpMethod.Get, "/v1/vms/nope", "/v1/vms/{name}", 404);
        Assert.Equal("not_found", missing.GetProperty("code").GetString());
        await Check(HttpMethod.Post, "/v1/vms/doc1/frobnicate", "/v1/vms/{name}/{action}", 400);
        await Check(HttpMethod.Patch, "/v1/vms/doc1", "/v1/vms/{name}", 400, Json("""{"memory": 192, "colour": "blue"}"""));
        await Check(HttpMethod.Patch, "/v1/vms/doc1", "/v1/vms/{name}", 200, Json("""{"memory": 192}"""));

        // The checker itself fails on what it must catch: an undocumented field, a wrong type, a missing one.
        var mutated = JsonNode.Parse(host.GetRawText())!.AsObject();
        mutated["not_in_the_document"] = 1;
        var schema = checker.ResponseSchema("/v1/host", "GET", 200, "application/json");
        Assert.Contains(checker.Check(schema, JsonDocument.Parse(mutated.ToJsonString()).RootElement), e => e.Contains("not_in_the_document"));
        var wrongType = JsonNode.Parse(vm.GetRawText())!.AsObject();
        wrongType["spec"]!["memory"] = "lots";
        var vmSchema = checker.ResponseSchema("/v1/vms/{name}", "GET", 200, "application/json");
        Assert.Contains(checker.Check(vmSchema, JsonDocument.Parse(wrongType.ToJsonString()).RootElement), e => e.Contains("$.spec.memory"));
        var problemSchema = checker.ResponseSchema("/v1/vms/{name}", "GET", 404, ProblemJson);
        Assert.Contains(checker.Check(problemSchema, JsonDocument.Parse("""{"status": 404}""").RootElement), e => e.Contains("\"code\""));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Every_failure_is_a_problem_document_and_unknown_fields_are_refused()
    {
        await using var h = await VireoHarness.StartAsync(output);
        using var http = Raw(h.Socket);

        async Task<JsonElement> Problem(HttpRequestMessage request, int status, string code)
        {
            var path = request.RequestUri!.OriginalString.Split('?')[0];
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {text}");
            Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(text).RootElement.Clone();
            Assert.Equal(status, problem.GetProperty("status").GetInt32());
            Assert.Equal(code, problem.GetProperty("code").GetString());
            Assert.Equal("urn:vireo:error:" + code, problem.GetProperty("type").GetString());
            Assert.Equal(path, problem.GetProperty("instance").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
            return problem;
        }

        // Routing: no such path, wrong method (with the methods it takes).
        var noRoute = await Problem(new(HttpMethod.Get, "/v1/no-such-thing"), 404, "not_found");
        Assert.Contains("/v1/no-such-thing", noRoute.GetProperty("detail").GetString());
        var wrongMethod = await Problem(new(HttpMethod.Delete, "/v1/host"), 405, "invalid");
        Assert.Contains("GET", wrongMethod.GetProperty("detail").GetString());
        // Binding: a query value of the wrong type names the parameter and the value.
        var badQuery = await Problem(new(HttpMethod.Get, "/v1/operations/x?wait_ms=soon"), 400, "invalid");
        Assert.Equal("wait_ms", badQuery.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal("soon", badQuery.GetProperty("errors")[0].GetProperty("value").GetString());
        var badFlag = await Problem(new(HttpMethod.Post, "/v1/vms/x/start?async=maybe"), 400, "invalid");
        Assert.Equal("async", badFlag.GetProperty("errors")[0].GetProperty("field").GetString());
        // A body that is not JSON: 415 (a form, plain text), with the fix in the hint.
        var dir = Path.Combine(h.StateDir, "pool-p");
        var form = await Problem(new(HttpMethod.Post, "/v1/pools") { Content = new StringContent("name=p", Encoding.UTF8, "application/x-www-form-urlencoded") }, 415, "invalid");
        Assert.Contains("application/json", form.GetProperty("hint").GetString());
        await Problem(new(HttpMethod.Post, "/v1/pools") { Content = new StringContent($$"""{"name":"p","path":"{{dir}}"}""", Encoding.UTF8, "text/plain") }, 415, "invalid");
        // Unknown fields: named, top level and nested, and nothing is created.
        var unknown = await Problem(new(HttpMethod.Post, "/v1/pools") { Content = Json($$"""{"name":"p","path":"{{dir}}","colour":"blue"}""") }, 400, "invalid");
        Assert.Equal("colour", unknown.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Contains("colour", unknown.GetProperty("detail").GetString());
        Assert.DoesNotContain("Vireo.Contracts", unknown.GetRawText());
        var cased = await Problem(new(HttpMethod.Post, "/v1/pools") { Content = Json($$"""{"name":"p","Path":"{{dir}}"}""") }, 400, "invalid");
        Assert.Equal("Path", cased.GetProperty("errors")[0].GetProperty("field").GetString());
        var nested = await Problem(new(HttpMethod.Patch, "/v1/vms/x") { Content = Json("""{"cloud_init":{"user":"ops","usr":"ops"}}""") }, 400, "invalid");
        Assert.Equal("cloud_init.usr", nested.GetProperty("errors")[0].GetProperty("field").GetString());
        var shutdown = await Problem(new(HttpMethod.Post, "/v1/vms/x/shutdown") { Content = Json("""{"timeout":5}""") }, 400, "invalid");
        Assert.Equal("timeout", shutdown.GetProperty("errors")[0].GetProperty("field").GetString());
        var pools = JsonDocument.Parse(await http.GetStringAsync("/v1/pools")).RootElement;
        Assert.DoesNotContain(pools.EnumerateArray(), p => p.GetProperty("name").GetString() == "p");
        // A spec with an unknown field goes through the spec binder, which names it too.
        using var spec = await http.PostAsync("/v1/vms", new StringContent("name: s1\nmemory: 64\ncolour: blue\n", Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.BadRequest, spec.StatusCode);
        Assert.Contains("colour", await spec.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_reference_page_and_its_assets_are_served_by_vireod_itself()
    {
        await using var h = await VireoHarness.StartAsync(output);
        using var http = Raw(h.Socket);
        using var redirect = await http.GetAsync("/api/reference");
        Assert.True((int)redirect.StatusCode is 301 or 302, $"{redirect.StatusCode}");
        var html = await http.GetStringAsync("/api/reference/");
        Assert.Contains("<title>Vireo API reference</title>", html);
        Assert.Contains("openapi/v1.json", html);
        Assert.Contains("\"withDefaultFonts\":false", html);
        Assert.Contains("\"telemetry\":false", html);
        Assert.Contains("\"agent\":{\"disabled\":true}", html);
        var assets = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(assets);
        foreach (var asset in assets)
        {
            Assert.False(asset.Contains("//"), $"the page loads {asset} from elsewhere");
            using var response = await http.GetAsync("/api/reference/" + asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {response.StatusCode}");
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100, asset);
        }
    }

    [Fact]
    public async Task Lifecycle_actions_run_as_operations_with_async()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "op1", "--image", "tiny", "--memory", "128", "--network", "none");
        using var http = Raw(h.Socket);

        // Refused at once: the request's own error, and no operation is left behind.
        using (var missing = await http.PostAsync("/v1/vms/nope/start?async=true", null))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var started = await http.PostAsync("/v1/vms/op1/start?async=true", null);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var operation = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal("vm-start", operation.GetProperty("kind").GetString());
        Assert.Equal("op1", operation.GetProperty("target").GetString());
        var done = await WaitAsync(http, operation.GetProperty("id").GetString()!);
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1.0, done.GetProperty("progress").GetDouble());
        Assert.Equal("running", done.GetProperty("result").GetProperty("state").GetString());

        var before = JsonDocument.Parse(await http.GetStringAsync("/v1/operations")).RootElement.GetArrayLength();
        using (var again = await http.PostAsync("/v1/vms/op1/start?async=true", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal(ProblemJson, again.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(before, JsonDocument.Parse(await http.GetStringAsync("/v1/operations")).RootElement.GetArrayLength());

        // The CLI: --async prints the operation (JSON with --output json), `vireo operation wait` follows it.
        var shutdown = await h.VireoOk("shutdown", "op1", "--timeout", "1", "--async", "--output", "json");
        var shutdownOp = JsonDocument.Parse(shutdown.Stdout).RootElement;
        Assert.Equal("vm-shutdown", shutdownOp.GetProperty("kind").GetString());
        var waited = await h.VireoOk("operation", "wait", shutdownOp.GetProperty("id").GetString()!);
        Assert.Contains("succeeded: VM 'op1' now stopped", waited.Stdout);
        await h.VireoOk("start", "op1");

        using var destroyed = await http.PostAsync("/v1/vms/op1/destroy?async=true", null);
        Assert.Equal(HttpStatusCode.Accepted, destroyed.StatusCode);
        var destroyOp = await WaitAsync(http, JsonDocument.Parse(await destroyed.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        Assert.Equal("stopped", destroyOp.GetProperty("result").GetProperty("state").GetString());

        var text = await h.VireoOk("start", "op1", "--async");
        var id = System.Text.RegularExpressions.Regex.Match(text.Stdout, @"Operation (\S+) started \(vm-start op1\)");
        Assert.True(id.Success, text.Stdout);
        Assert.Contains("now running", (await h.VireoOk("operation", "wait", id.Groups[1].Value)).Stdout);
        var combined = await h.Vireo("start", "op1", "--async", "--console");
        Assert.Equal(2, combined.ExitCode);
        Assert.Contains("--console", combined.Stderr);
        await h.VireoOk("destroy", "op1");
    }

    private static async Task<JsonElement> WaitAsync(HttpClient http, string id)
    {
        for (var i = 0; i < 20; i++)
        {
            var operation = JsonDocument.Parse(await http.GetStringAsync($"/v1/operations/{id}?wait_ms=30000")).RootElement.Clone();
            if (operation.GetProperty("status").GetString() != "running")
                return operation;
        }
        throw new TimeoutException($"operation {id} did not end");
    }

    [Fact]
    public async Task A_concurrent_edit_is_detected_on_every_route_that_changes_a_VM()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "ce", "--image", "tiny", "--memory", "128", "--network", "none");
        // Two clients, each with its own connection, read the same revision.
        using var alice = Raw(h.Socket);
        using var bob = Raw(h.Socket);
        var read = await alice.GetAsync("/v1/vms/ce");
        var etag = read.Headers.ETag!.Tag;
        Assert.Equal(etag, (await bob.GetAsync("/v1/vms/ce")).Headers.ETag!.Tag);

        HttpRequestMessage Patch(string body, string ifMatch)
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, "/v1/vms/ce") { Content = Json(body) };
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
            return request;
        }
        using var first = await alice.SendAsync(Patch("""{"memory": 192}""", etag));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual(etag, first.Headers.ETag!.Tag);

        // Bob's change, made on the revision he read, is refused: 412 stale, and Alice's edit stands.
        using var second = await bob.SendAsync(Patch("""{"memory": 256, "description": "bob"}""", etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, second.StatusCode);
        Assert.Equal(ProblemJson, second.Content.Headers.ContentType?.MediaType);
        Assert.Equal("stale", JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        var now = JsonDocument.Parse(await bob.GetStringAsync("/v1/vms/ce")).RootElement;
        Assert.Equal(192, now.GetProperty("spec").GetProperty("memory").GetInt64());
        Assert.False(now.GetProperty("spec").TryGetProperty("description", out _));

        // The same for the routes that change a VM outside PATCH/PUT: rename, disks, CD-ROMs, NICs, undefine.
        var stale = etag;
        foreach (var (method, url, body) in new (HttpMethod, string, string?)[]
        {
            (HttpMethod.Post, "/v1/vms/ce/rename", """{"name":"ce2"}"""),
            (HttpMethod.Post, "/v1/vms/ce/nics", """{"network":"none"}"""),
            (HttpMethod.Put, "/v1/vms/ce/cdroms/0", """{"path":"/nonexistent.iso"}"""),
            (HttpMethod.Delete, "/v1/vms/ce", null),
        })
        {
            var request = new HttpRequestMessage(method, url) { Content = body is null ? null : Json(body) };
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(stale));
            using var refused = await bob.SendAsync(request);
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.PreconditionFailed, $"{method} {url}: {(int)refused.StatusCode} {text}");
            Assert.Contains("\"stale\"", text);
        }
        var after = JsonDocument.Parse(await bob.GetStringAsync("/v1/vms/ce")).RootElement;
        Assert.Equal(now.GetProperty("revision").GetInt64(), after.GetProperty("revision").GetInt64());

        // With the current revision the change goes through.
        var rename = new HttpRequestMessage(HttpMethod.Post, "/v1/vms/ce/rename") { Content = Json("""{"name":"ce2"}""") };
        rename.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(first.Headers.ETag!.Tag));
        using var renamed = await bob.SendAsync(rename);
        Assert.True(renamed.IsSuccessStatusCode, await renamed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/v1/vms/ce2")).StatusCode);
    }
}
