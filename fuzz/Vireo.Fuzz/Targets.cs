using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Daemon;
using Vireo.Host.Network;
using Vireo.Host.Uplink;
using Vireo.Qmp;
using Vireo.Qmp.Framing;
using Vireo.Qmp.Qga;

namespace Vireo.Fuzz;

/// <summary>
/// One fuzz target per name. Each feeds its input to one parser the way Vireo feeds it in production and catches
/// exactly the exceptions that parser documents for bad input; anything else escapes and is a finding (a crash to
/// AFL, a failure to the corpus replay test). Hangs are found by AFL's time limit, unbounded allocation by each
/// parser's documented size limit (kept small here where the parser takes one, so the limit path is reached).
/// </summary>
public static class Targets
{
    /// <summary>The target names, as fuzz/run.sh and fuzz/corpus/NAME use them.</summary>
    public static readonly IReadOnlyList<string> Names = ["spec", "qmp", "qga", "leases", "ipjson", "nftjson", "apibody"];

    /// <summary>Runs <paramref name="target"/> over one input.</summary>
    public static void Run(string target, byte[] data)
    {
        switch (target)
        {
            case "spec": Spec(data); break;
            case "qmp": Qmp(data); break;
            case "qga": Qga(data); break;
            case "leases": Leases(data); break;
            case "ipjson": IpJsonTarget(data); break;
            case "nftjson": NftJson(data); break;
            case "apibody": ApiBody(data); break;
            default: throw new ArgumentException($"no fuzz target \"{target}\"; targets: {string.Join(", ", Names)}");
        }
    }

    // Made per input, not in a static field: instrumented code must not run before SharpFuzz's loop has set up
    // its coverage map (the static constructor runs when Program reads Names), or it writes through a null map.
    private static HostLimits Limits() => new() { HostCpus = 4, HostMemoryMiB = 8192, FileExists = _ => false, KvmAvailable = true };

    /// <summary>The spec parser: YAML or JSON in, a spec or field errors out; it never throws.</summary>
    private static void Spec(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        var result = VmSpecParser.ParseAndValidate(text, Limits());
        if (result.Spec is { } spec)
        {
            // What Vireo stores and shows must read back: a written spec that does not parse is a bug.
            var again = VmSpecParser.Parse(VmSpecWriter.ToYaml(spec));
            if (again.Spec is null)
                throw new InvalidOperationException("a valid spec, written as YAML, does not parse back: " +
                    string.Join("; ", again.Errors.Select(e => $"{e.Field}: {e.Message}")));
        }
        else if (result.Errors.Count == 0)
        {
            throw new InvalidOperationException("the parser returned neither a spec nor an error");
        }
    }

    /// <summary>
    /// The QMP reader as QEMU's stream feeds it: the first byte picks the read size (framing across reads), the
    /// rest is the stream. Messages go where the client sends them: the greeting, events, replies.
    /// </summary>
    private static void Qmp(byte[] data)
    {
        if (data.Length == 0) return;
        using var stream = new ChunkedStream(data.AsMemory(1), data[0] % 64 + 1);
        var reader = new QmpMessageReader(stream, 64 * 1024, trace: null);
        try
        {
            var first = true;
            while (reader.ReadAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } message)
            {
                if (message.ValueKind != JsonValueKind.Object) continue;
                if (first && message.TryGetProperty("QMP", out _))
                {
                    try { _ = message.Deserialize(Vireo.Qmp.Json.QmpJsonContext.Default.GreetingMessage); }
                    catch (JsonException) { /* QmpClient: "did not greet like a QEMU monitor" */ }
                }
                first = false;
                if (message.TryGetProperty("event", out var name) && name.ValueKind == JsonValueKind.String)
                    QmpEventParser.Parse(name.GetString()!, message, trace: null);
            }
        }
        catch (QmpProtocolException)
        {
            // Malformed JSON, or a message over the limit: the connection ends with this error.
        }
    }

    /// <summary>The guest agent's channel: skip to the sync sentinel, then read answers until the channel ends.</summary>
    private static void Qga(byte[] data)
    {
        if (data.Length == 0) return;
        using var stream = new ChunkedStream(data.AsMemory(1), data[0] % 64 + 1);
        var reader = new QgaLineReader(stream, trace: null);
        try
        {
            if ((data[0] & 0x80) != 0)
                reader.SkipToSentinelAsync(4096, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            for (var i = 0; i < 1000; i++)
                reader.ReadMessageAsync(16 * 1024, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
        catch (QgaException)
        {
            // Malformed, oversized or not UTF-8, or the channel closed: the documented errors.
        }
    }

    /// <summary>dnsmasq's lease file (guests choose their hostname and client id): never throws.</summary>
    private static void Leases(byte[] data)
    {
        foreach (var lease in DnsmasqLeases.Parse(Encoding.UTF8.GetString(data)))
        {
            if (lease.Mac is null || lease.Address is null)
                throw new InvalidOperationException("a lease without MAC or address");
        }
    }

    /// <summary><c>ip -json</c>: the first byte picks the command whose output the rest is.</summary>
    private static void IpJsonTarget(byte[] data)
    {
        if (data.Length == 0) return;
        var json = Encoding.UTF8.GetString(data, 1, data.Length - 1);
        try
        {
            switch (data[0] % 6)
            {
                case 0: IpJson.ParseLinks(json); break;
                case 1: IpJson.ParseRoutes(json); break;
                case 2: IpJson.ParseNeighbours(json); break;
                case 3: IpReader.ParseAddresses(json); break;
                case 4: IpReader.ParseRoutes(json, "inet"); break;
                case 5:
                    if (IpReader.ParseLink(json) is { } link) IpReader.ToSnapshot(link, "eth0", [], []);
                    break;
            }
        }
        catch (InvalidDataException)
        {
            // ToolJson: output of an unexpected shape.
        }
    }

    /// <summary><c>nft -j list ruleset</c>: other programs' chain names and rule comments are in it.</summary>
    private static void NftJson(byte[] data)
    {
        const string tool = "nft -j list ruleset";
        try
        {
            using var ruleset = ToolJson.Parse(tool, Encoding.UTF8.GetString(data), empty: "{}");
            ToolJson.Read(tool, () => NftFirewall.DropChains(ruleset, "vireo"));
            ToolJson.Read(tool, () => NftFirewall.HasIptablesChain(ruleset));
            ToolJson.Read(tool, () => NftFirewall.TaggedRules(ruleset, null, "vireo"));
            ToolJson.Read(tool, () => NftFirewall.TaggedRules(ruleset, "vireo:default", "vireo"));
        }
        catch (InvalidDataException)
        {
        }
    }

    /// <summary>
    /// The API's JSON bodies, read by the daemon's own strict reader: the first byte picks the request type. Every
    /// failure must be an error the API answers with a 4xx that names a field.
    /// </summary>
    private static void ApiBody(byte[] data)
    {
        if (data.Length == 0) return;
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(data, 1, data.Length - 1);
        context.Request.ContentType = "application/json";
        try
        {
            ReadBody(context.Request, data[0]);
        }
        catch (VireoException e)
        {
            var error = ErrorMapping.ToApiError(e);
            if (error.Status is < 400 or >= 500)
                throw new InvalidOperationException($"a bad body answered HTTP {error.Status}: {error.Detail}", e);
            if (e is InvalidInputException && e.FieldErrors.Count == 0 && !e.Message.Contains("empty", StringComparison.Ordinal)
                && !e.Message.Contains("larger than", StringComparison.Ordinal))
                throw new InvalidOperationException($"a 400 without the field named: {e.Message}", e);
        }
    }

    private static void ReadBody(HttpRequest request, byte selector)
    {
        var c = VireoJsonContext.Default;
        var ct = CancellationToken.None;
        // The request types the daemon reads with JsonBody (grep JsonBody.Read in src/Vireo.Daemon).
        Task task = (selector % 16) switch
        {
            0 => JsonBody.ReadAsync(request, c.NetworkSpec, ct),
            1 => JsonBody.ReadAsync(request, c.PoolSpec, ct),
            2 => JsonBody.ReadAsync(request, c.VolumeCreateRequest, ct),
            3 => JsonBody.ReadAsync(request, c.DiskSpec, ct),
            4 => JsonBody.ReadAsync(request, c.NicSpec, ct),
            5 => JsonBody.ReadAsync(request, c.PortForward, ct),
            6 => JsonBody.ReadAsync(request, c.SnapshotCreateRequest, ct),
            7 => JsonBody.ReadAsync(request, c.CloneRequest, ct),
            8 => JsonBody.ReadAsync(request, c.TokenCreateRequest, ct),
            9 => JsonBody.ReadAsync(request, c.VmSettings, ct),
            10 => JsonBody.ReadAsync(request, c.ExecRequest, ct),
            11 => JsonBody.ReadAsync(request, c.BackupRequest, ct),
            12 => JsonBody.ReadAsync(request, c.LoginRequest, ct),
            13 => JsonBody.ReadAsync(request, c.VolumeCopyRequest, ct),
            14 => JsonBody.ReadOptionalAsync(request, c.ShutdownRequest, ct),
            _ => JsonBody.ReadAsync(request, c.ImageImportRequest, ct),
        };
        task.GetAwaiter().GetResult();
    }
}

/// <summary>A read-only stream that hands out at most <c>chunk</c> bytes per read, as a socket does.</summary>
internal sealed class ChunkedStream(ReadOnlyMemory<byte> data, int chunk) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.Span.Slice(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
