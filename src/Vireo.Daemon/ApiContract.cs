using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>
/// The API's contract, in one place: the OpenAPI document (<c>GET /openapi/v1.json</c>, committed as
/// docs/openapi.json), the reference page (<c>/api/reference</c>, Scalar, served from vireod's own files), what
/// each route reads and answers (most handlers read their bodies themselves, so the generator cannot see them), and
/// the If-Match check of every route that changes a VM.
/// </summary>
internal static partial class ApiContract
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/reference";
    private const string ProblemJson = ApiErrorMiddleware.ProblemJson;
    private const string Json = "application/json";

    public static void AddVireoApiContract(this IServiceCollection services)
    {
        // A query or route value the binder cannot read throws, so ApiErrorMiddleware answers it as a problem
        // naming the parameter (by default the binder answers a bare 400).
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Vireo API",
                    Version = "1",
                    Description = "The JSON API of vireod, the same on its Unix socket and over TCP. Field names are snake_case; "
                        + "failed requests answer application/problem+json (RFC 9457) with a stable code, per-field errors and a hint. "
                        + "See docs/api.md.",
                };
                // The same document on every listener: no server list derived from the request.
                document.Servers = [];
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, context, _) =>
            {
                operation.Responses ??= new OpenApiResponses();
                if (context.Document is { } document)
                {
                    operation.Responses["default"] = new OpenApiResponse
                    {
                        Description = "Any other failure: a problem document with a stable code.",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            [ProblemJson] = new() { Schema = new OpenApiSchemaReference(nameof(ApiError), document) },
                        },
                    };
                }
                return Task.CompletedTask;
            });
        });
    }

    /// <summary>Serves the document and the reference page, both readable without a token (they hold no data).</summary>
    public static void MapVireoApiContract(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").ExcludeFromDescription().AllowAnonymousContract();
        app.MapScalarApiReference(ReferencePath, o =>
            {
                o.WithTitle("Vireo API reference")
                    .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                    .DisableDefaultFonts();
                // Everything the page does stays on this host: no telemetry, no AI agent, no hosted tools.
                o.Telemetry = false;
                o.Agent = new ScalarAgentOptions { Disabled = true };
                o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
                o.HideClientButton = true;
            })
            .AllowAnonymousContract();
    }

    /// <summary>Marks an endpoint as readable by anyone (an auth layer that honours IAllowAnonymous skips it).</summary>
    private static TBuilder AllowAnonymousContract<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(b => b.Metadata.Add(new Microsoft.AspNetCore.Authorization.AllowAnonymousAttribute()));
        return builder;
    }

    /// <summary>
    /// Describes every route of <paramref name="v1"/> (those mapped after this call too): tag, operation id,
    /// summary, request body, answers; and checks If-Match on the routes that change a VM.
    /// </summary>
    public static void DescribeVireoApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        ((IEndpointConventionBuilder)v1).Add(builder =>
        {
            if (builder is not RouteEndpointBuilder route)
                return;
            var pattern = route.RoutePattern.RawText ?? "";
            var method = route.Metadata.OfType<IHttpMethodMetadata>().FirstOrDefault()?.HttpMethods.FirstOrDefault() ?? "GET";
            // "{drive:int}" is "{drive}" in the document.
            var path = "/" + Constraint().Replace(pattern.TrimStart('/'), "{$1}");
            route.Metadata.Add(new TagsAttribute(TagFor(path)));
            var entry = Table.FirstOrDefault(e => e.Method == method && e.Path == path);
            route.Metadata.Add(new EndpointNameMetadata(entry?.Name ?? OperationId(method, path)));
            if (entry is null)
                return;
            route.Metadata.Add(new EndpointSummaryAttribute(entry.Summary));
            if (entry.Body is { } body)
                route.Metadata.Add(new AcceptsMetadata(entry.BodyTypes ?? [Json], body, entry.BodyOptional));
            foreach (var (status, type, contentType) in entry.Answers)
                route.Metadata.Add(new ProducesResponseTypeMetadata(status, type, [contentType ?? Json]));
            foreach (var status in Errors(method, path, entry))
                route.Metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ApiError), [ProblemJson]));
        });
        v1.AddEndpointFilter(async (context, next) =>
        {
            CheckRevision(context.HttpContext, engine);
            return await next(context);
        });
    }

    /// <summary>
    /// A request that changes a VM and carries If-Match (the ETag of <c>GET /v1/vms/{name}</c>) is refused with 412
    /// <c>stale</c> when the VM's revision has moved on: two clients cannot overwrite each other's edits silently.
    /// PUT /spec and PATCH check it inside the engine, under the VM's lock; the other routes check it here, just
    /// before the change.
    /// </summary>
    private static void CheckRevision(HttpContext context, VmEngine engine)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || request.Headers.IfMatch.Count == 0)
            return;
        if (context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.RoutePattern.RawText is not { } pattern
            || !pattern.TrimStart('/').StartsWith("v1/vms/{name}", StringComparison.Ordinal)
            || request.RouteValues["name"] is not string name)
            return;
        var isEngineChecked = pattern.EndsWith("/spec", StringComparison.Ordinal) || HttpMethods.IsPatch(request.Method);
        if (isEngineChecked || EditRoutes.IfMatch(request) is not { } expected)
            return;
        var revision = engine.Get(name).Revision;
        if (revision != expected)
            throw new StaleRevisionException(
                $"VM \"{name}\" has changed since revision {expected} was read (it is now at revision {revision})")
            {
                Hint = "Read the VM again and make the change on top of it.",
            };
    }

    private static IEnumerable<int> Errors(string method, string path, Entry entry)
    {
        if (method != "GET" || path.Contains('{'))
            yield return StatusCodes.Status400BadRequest;
        if (path.Contains('{'))
            yield return StatusCodes.Status404NotFound;
        if (method != "GET")
            yield return StatusCodes.Status409Conflict;
        if (path.StartsWith("/v1/vms/{name}", StringComparison.Ordinal) && method != "GET")
            yield return StatusCodes.Status412PreconditionFailed;
        if (entry.Body is not null && (entry.BodyTypes ?? [Json]).Contains(Json))
            yield return StatusCodes.Status415UnsupportedMediaType;
    }

    private static string TagFor(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var first = segments.ElementAtOrDefault(1) ?? "";
        var third = segments.ElementAtOrDefault(3) ?? "";
        return (first, third) switch
        {
            ("vms", "snapshots") => "Snapshots",
            ("vms", "backups") or ("backups", _) => "Backups",
            ("vms", "disks" or "cdroms" or "clone") => "Disks",
            ("vms", "nics" or "addresses") or ("networks" or "forwards" or "network-doctor", _) => "Networks",
            ("vms", "agent") => "Guest agent",
            ("vms", "console" or "logs") => "Consoles and logs",
            ("vms", _) => "VMs",
            ("host", "") or ("host", _) when path.EndsWith("bridge-uplink", StringComparison.Ordinal) => "Networks",
            ("host" or "stats", _) => "Host",
            ("pools" or "volumes", _) => "Storage",
            ("operations", _) => "Operations",
            ("images", _) => "Images",
            ("os", _) => "OS catalog",
            ("import", _) => "Import",
            _ => first.Length == 0 ? "API" : char.ToUpperInvariant(first[0]) + first[1..],
        };
    }

    /// <summary>An operation id for a route the table does not name: <c>GET /v1/vms/{name}/stats</c> → <c>getVmsByNameStats</c>.</summary>
    internal static string OperationId(string method, string path)
    {
        var words = new List<string> { method.ToLowerInvariant() };
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            if (segment.StartsWith('{'))
            {
                var parameter = segment.Trim('{', '}', '*').Split(':')[0];
                words.Add("By" + char.ToUpperInvariant(parameter[0]) + parameter[1..]);
                continue;
            }
            foreach (var part in NonWord().Split(segment).Where(p => p.Length > 0))
                words.Add(char.ToUpperInvariant(part[0]) + part[1..]);
        }
        return string.Concat(words);
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonWord();

    [GeneratedRegex(@"\{\*?(\w+)(?::[^}]*)?\}")]
    private static partial Regex Constraint();

    private sealed record Entry(string Method, string Path, string Name, string Summary)
    {
        public Type? Body { get; init; }
        public string[]? BodyTypes { get; init; }
        public bool BodyOptional { get; init; }
        public (int Status, Type? Type, string? ContentType)[] Answers { get; init; } = [];
    }

    private static readonly string[] SpecTypes = ["application/yaml", Json, "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];

    /// <summary>What the generator cannot infer: names, summaries, request bodies, answers of routes that return IResult.</summary>
    private static readonly Entry[] Table =
    [
        new("GET", "/v1/host", "getHost", "Host information: version, acceleration, capacity"),
        new("GET", "/v1/host/check", "checkHost", "Check the host's prerequisites"),
        new("GET", "/v1/vms", "listVms", "List VMs"),
        new("POST", "/v1/vms", "defineVm", "Define a VM from a spec (YAML or JSON); dry_run=true answers the spec it would define")
        {
            Body = typeof(VmSpec), BodyTypes = SpecTypes,
            Answers = [(201, typeof(VmInfo), null), (200, typeof(VmSpec), null)],
        },
        new("GET", "/v1/vms/{name}", "getVm", "Show a VM (its revision is the ETag)"),
        new("PATCH", "/v1/vms/{name}", "setVm", "Change single settings (If-Match: the revision read)") { Body = typeof(VmSettings) },
        new("DELETE", "/v1/vms/{name}", "undefineVm", "Undefine a VM"),
        new("GET", "/v1/vms/{name}/spec", "getVmSpec", "A VM's definition as YAML (its revision is the ETag)")
        {
            Answers = [(200, typeof(string), "text/yaml")],
        },
        new("PUT", "/v1/vms/{name}/spec", "editVm", "Replace a VM's definition (If-Match: the revision read)")
        {
            Body = typeof(VmSpec), BodyTypes = SpecTypes,
        },
        new("POST", "/v1/vms/{name}/{action}", "vmAction",
            "Run a lifecycle action: start, shutdown, destroy, reboot, reset, suspend, resume; async=true answers 202 with an operation")
        {
            Body = typeof(ShutdownRequest), BodyOptional = true,
            Answers = [(200, typeof(ActionResult), null), (202, typeof(OperationInfo), null)],
        },
        new("POST", "/v1/vms/{name}/rename", "renameVm", "Rename a VM") { Body = typeof(RenameRequest) },
        new("POST", "/v1/vms/{name}/disks", "attachDisk", "Attach a disk") { Body = typeof(DiskSpec) },
        new("DELETE", "/v1/vms/{name}/disks", "detachDisk", "Detach a disk (query: source)"),
        new("PUT", "/v1/vms/{name}/cdroms/{drive}", "changeMedium", "Insert a CD-ROM medium") { Body = typeof(MediumRequest) },
        new("DELETE", "/v1/vms/{name}/cdroms/{drive}", "ejectMedium", "Eject a CD-ROM medium"),
        new("POST", "/v1/vms/{name}/clone", "cloneVm", "Clone a VM (an operation)")
        {
            Body = typeof(CloneRequest), Answers = [(202, typeof(OperationInfo), null)],
        },
        new("POST", "/v1/vms/{name}/nics", "attachNic", "Attach a network interface") { Body = typeof(NicSpec) },
        new("POST", "/v1/vms/{name}/agent/exec", "agentExec", "Run a command in the guest (guest agent)") { Body = typeof(ExecRequest) },
        new("POST", "/v1/vms/{name}/agent/set-user-password", "agentSetUserPassword", "Set a guest user's password (guest agent)")
        {
            Body = typeof(SetUserPasswordRequest),
        },
        new("GET", "/v1/vms/{name}/console", "vmConsole", "Serial console (WebSocket upgrade)"),
        new("GET", "/v1/vms/{name}/logs", "vmLogs", "A VM's log (follow=true streams it)") { Answers = [(200, typeof(string), "text/plain")] },
        new("POST", "/v1/vms/{name}/snapshots", "createSnapshot", "Take a snapshot")
        {
            Body = typeof(SnapshotCreateRequest), Answers = [(201, typeof(SnapshotInfo), null)],
        },
        new("POST", "/v1/vms/{name}/snapshots/{snap}/revert", "revertSnapshot", "Revert to a snapshot")
        {
            Body = typeof(SnapshotRevertRequest), BodyOptional = true,
        },
        new("POST", "/v1/vms/{name}/backups", "backupVm", "Back a VM up (async=true: an operation)")
        {
            Body = typeof(BackupRequest), Answers = [(201, typeof(BackupInfo), null), (202, typeof(OperationInfo), null)],
        },
        new("POST", "/v1/backups/restore", "restoreBackup", "Restore a backup (async=true: an operation)")
        {
            Body = typeof(RestoreRequest), Answers = [(200, typeof(RestoreResult), null), (202, typeof(OperationInfo), null)],
        },
        new("POST", "/v1/networks", "createNetwork", "Create a network")
        {
            Body = typeof(NetworkSpec), Answers = [(201, typeof(NetworkInfo), null)],
        },
        new("DELETE", "/v1/networks/{name}", "deleteNetwork", "Delete a network") { Answers = [(204, null, null)] },
        new("POST", "/v1/networks/{name}/forwards", "addPortForward", "Add a port forward")
        {
            Body = typeof(PortForward), Answers = [(201, typeof(PortForward), null)],
        },
        new("PUT", "/v1/networks/{name}/reservations/{vm}", "reserveAddress", "Reserve a DHCP address for a VM")
        {
            Body = typeof(ReservationRequest),
        },
        new("DELETE", "/v1/networks/{name}/reservations/{vm}", "releaseAddress", "Remove a DHCP reservation") { Answers = [(204, null, null)] },
        new("POST", "/v1/host/bridge-uplink", "bridgeUplink", "Move the host's uplink onto a bridge") { Body = typeof(BridgeUplinkRequest) },
        new("POST", "/v1/pools", "createPool", "Create a storage pool") { Body = typeof(PoolSpec), Answers = [(201, typeof(PoolInfo), null)] },
        new("DELETE", "/v1/pools/{pool}", "deletePool", "Delete a storage pool") { Answers = [(204, null, null)] },
        new("POST", "/v1/pools/{pool}/volumes", "createVolume", "Create a volume")
        {
            Body = typeof(VolumeCreateRequest), Answers = [(201, typeof(VolumeInfo), null)],
        },
        new("DELETE", "/v1/pools/{pool}/volumes/{name}", "deleteVolume", "Delete a volume") { Answers = [(204, null, null)] },
        new("POST", "/v1/pools/{pool}/volumes/{name}/{action}", "volumeAction",
            "resize (VolumeResizeRequest, 200), clone or convert (VolumeCopyRequest, 202), import (VolumeImportRequest, 202)")
        {
            Body = typeof(VolumeCopyRequest),
            Answers = [(200, typeof(VolumeInfo), null), (202, typeof(OperationInfo), null)],
        },
        new("PUT", "/v1/pools/{pool}/volumes/{name}/content", "uploadVolume",
            "Upload a new volume: the body is the image (application/octet-stream), query format=raw|qcow2 (required, checked, never probed)")
        {
            Body = typeof(byte[]), BodyTypes = ["application/octet-stream"],
            Answers = [(201, typeof(VolumeInfo), null), (507, typeof(ApiError), ProblemJson)],
        },
        new("GET", "/v1/pools/{pool}/volumes/{name}/content", "downloadVolume",
            "Download a volume's file (operator; HEAD and Range supported); refused for a linked clone or a running VM's disk")
        {
            Answers = [(200, typeof(byte[]), "application/octet-stream"), (409, typeof(ApiError), ProblemJson)],
        },
        new("GET", "/v1/operations", "listOperations", "List long operations"),
        new("GET", "/v1/operations/{id}", "getOperation", "Follow an operation (wait_ms: long poll until it ends)"),
        new("DELETE", "/v1/operations/{id}", "cancelOperation", "Cancel an operation") { Answers = [(202, typeof(OperationInfo), null)] },
        new("POST", "/v1/images", "importImage", "Import an image (an operation)")
        {
            Body = typeof(ImageImportRequest), Answers = [(202, typeof(OperationInfo), null)],
        },
        new("DELETE", "/v1/images/{name}", "deleteImage", "Delete an image") { Answers = [(204, null, null)] },
        new("GET", "/v1/stats", "getStats", "Host CPUs and memory, and every VM's counters"),
        new("GET", "/v1/vms/{name}/stats", "getVmStats", "A VM's cumulative counters: CPU, memory, disks, NICs"),
        new("GET", "/v1/vms/{name}/addresses", "getVmAddresses", "A VM's IP addresses and where each was learnt"),
        new("POST", "/v1/vms/{name}/nics/{mac}/link/{state}", "setNicLink", "Plug (up) or unplug (down) a NIC's virtual cable"),
        new("DELETE", "/v1/vms/{name}/nics/{mac}", "detachNic", "Detach a network interface"),
        new("GET", "/v1/vms/{name}/snapshots", "listSnapshots", "List a VM's snapshots, oldest first"),
        new("GET", "/v1/vms/{name}/snapshots/{snap}", "getSnapshot", "Show a snapshot"),
        new("DELETE", "/v1/vms/{name}/snapshots/{snap}", "deleteSnapshot", "Delete a snapshot (its children move up)"),
        new("GET", "/v1/vms/{name}/agent/ping", "agentPing", "Ping the guest agent"),
        new("GET", "/v1/vms/{name}/agent/info", "agentInfo", "The guest's OS, host name and addresses (guest agent)"),
        new("GET", "/v1/networks", "listNetworks", "List networks"),
        new("GET", "/v1/networks/{name}", "getNetwork", "Show a network: subnet, DHCP, VMs, forwards, reservations"),
        new("POST", "/v1/networks/{name}/{action}", "networkAction", "Start or stop a network"),
        new("GET", "/v1/network-doctor", "networkDoctor", "Check the host's networking"),
        new("GET", "/v1/forwards", "listForwards", "List every port forward"),
        new("GET", "/v1/networks/{name}/forwards", "listNetworkForwards", "List a network's port forwards"),
        new("DELETE", "/v1/networks/{name}/forwards/{protocol}/{port}", "removePortForward", "Remove a port forward"),
        new("GET", "/v1/pools", "listPools", "List storage pools"),
        new("GET", "/v1/pools/{pool}", "getPool", "Show a storage pool"),
        new("GET", "/v1/volumes", "listVolumes", "List every volume"),
        new("GET", "/v1/pools/{pool}/volumes", "listPoolVolumes", "List a pool's volumes"),
        new("GET", "/v1/pools/{pool}/volumes/{name}", "getVolume", "Show a volume"),
        new("GET", "/v1/backups", "listBackups", "List the backups under a directory (query: dir, vm)"),
        new("GET", "/v1/os", "listOs", "List the OS catalog (query: family)"),
        new("GET", "/v1/os/{id}", "getOs", "Show an OS: its defaults and requirements"),
        new("GET", "/v1/images", "listImages", "List images"),
        new("GET", "/v1/images/{name}", "getImage", "Show an image"),
        new("POST", "/v1/auth/login", "login", "Sign in a browser: checks a token and sets the vireo_token cookie")
        {
            Body = typeof(LoginRequest), Answers = [(200, typeof(WhoAmI), null)],
        },
        new("POST", "/v1/auth/logout", "logout", "Sign out a browser: clears the vireo_token cookie") { Answers = [(204, null, null)] },
        new("GET", "/v1/auth/whoami", "whoAmI", "Who the caller is: principal, role and where from"),
        new("POST", "/v1/tokens", "createToken", "Create an API token (the secret is shown once)")
        {
            Body = typeof(TokenCreateRequest), Answers = [(201, typeof(TokenInfo), null)],
        },
        new("GET", "/v1/tokens", "listTokens", "List API tokens (never their secrets)"),
        new("DELETE", "/v1/tokens/{id}", "revokeToken", "Revoke an API token"),
        new("GET", "/v1/audit", "listAudit", "The audit log: every change, who, when, from where, the result (query: limit, principal)"),
        new("GET", "/v1/events", "events", "Live events as server-sent events (query: vm, type, last_event_id)")
        {
            Answers = [(200, typeof(string), "text/event-stream")],
        },
        new("GET", "/v1/stats/history", "statsHistory", "The last ~15 minutes of every running VM's rates, 5 s apart (query: vm)"),
        new("GET", "/v1/host/usage", "hostUsage", "CPU, memory and disk of the host: capacity, allocated to VMs, used"),
        new("GET", "/v1/vms/{name}/vnc", "vmVnc", "Graphical console: the VM's VNC as binary WebSocket frames (WebSocket upgrade)"),
        new("POST", "/v1/import/libvirt", "importLibvirt", "Import a libvirt domain XML (dry_run=true: only convert it)")
        {
            Body = typeof(string), BodyTypes = ["application/xml", "text/xml"],
            Answers = [(200, typeof(LibvirtImportResult), null), (201, typeof(LibvirtImportResult), null)],
        },
    ];
}
