using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;
using Vireo.Daemon;
using Vireo.Host.Network;
using Vireo.Qmp;
using Vireo.Qmp.Framing;
using Vireo.Qmp.Qga;

namespace Vireo.Fuzz.Tests;

/// <summary>
/// What AFL cannot send: endless and huge input. Each reader must stop at its documented limit, promptly and with
/// its documented error, having allocated a bounded amount of memory: a hostile QEMU, guest or client cannot make
/// vireod spin or grow.
/// </summary>
[Trait("Category", "Reliability")]
public class InputLimitTests
{
    private const int QmpLimit = 16 * 1024 * 1024; // QmpClientOptions.MaxMessageBytes' default

    public static TheoryData<string, string, string> EndlessQmp() => new()
    {
        { "an endless string", "{\"return\": \"", "a" },
        { "an endless array", "{\"return\": [", "1," },
        { "endless whitespace", "", " \n" },
        { "an endless key", "{\"", "k" },
    };

    [Theory]
    [MemberData(nameof(EndlessQmp))]
    public async Task Qmp_reader_stops_endless_input_at_its_limit(string what, string head, string repeat)
    {
        using var stream = new EndlessStream(head, repeat, readSize: 4096);
        var reader = new QmpMessageReader(stream, QmpLimit, trace: null);
        var (error, elapsed, allocated) = await Measure(ct => reader.ReadAsync(ct).AsTask());
        var e = Assert.IsType<QmpProtocolException>(error);
        Assert.Contains($"{QmpLimit} bytes", e.Message);
        // One pass over the limit (not one pass per read: 4,096 reads of a growing buffer took minutes before).
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"{what}: {elapsed.TotalSeconds:0.0} s");
        Assert.True(allocated < 4L * QmpLimit, $"{what}: allocated {allocated / 1048576} MiB");
        Assert.InRange(stream.Served, QmpLimit, QmpLimit + 64 * 1024);
        ReliabilityReport.Record("fuzz", $"QMP reader fed {what} by a hostile QEMU",
            $"refused at the {QmpLimit / 1048576} MiB limit after {stream.Served / 1048576.0:0.0} MiB in {elapsed.TotalSeconds:0.00} s, {allocated / 1048576} MiB allocated");
    }

    [Fact]
    public async Task Qmp_reader_refuses_deep_nesting_before_the_limit()
    {
        using var stream = new EndlessStream("", "[", readSize: 4096);
        var reader = new QmpMessageReader(stream, QmpLimit, trace: null);
        var (error, _, _) = await Measure(ct => reader.ReadAsync(ct).AsTask());
        Assert.Contains("malformed JSON", Assert.IsType<QmpProtocolException>(error).Message);
        Assert.True(stream.Served < 64 * 1024, $"read {stream.Served} bytes of nesting");
    }

    public static TheoryData<string, string, string> EndlessQga() => new()
    {
        { "an endless line", "{\"return\": \"", "a" },
        { "endless blank lines", "", "\n \r\n" },
        { "endless sync sentinels", "", "x\u00ff" },
    };

    [Theory]
    [MemberData(nameof(EndlessQga))]
    public async Task Guest_agent_reader_stops_endless_input_at_its_limit(string what, string head, string repeat)
    {
        var limit = QgaClientOptions.Default.MaxMessageBytes;
        using var stream = new EndlessStream(head, repeat, readSize: 4096, latin1: true);
        var reader = new QgaLineReader(stream, trace: null);
        var (error, elapsed, allocated) = await Measure(ct => reader.ReadMessageAsync(limit, ct).AsTask());
        Assert.IsType<QgaProtocolException>(error);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"{what}: {elapsed.TotalSeconds:0.0} s");
        Assert.True(allocated < 16L * limit, $"{what}: allocated {allocated / 1048576} MiB");
        Assert.True(stream.Served <= 2L * limit + 16 * 1024, $"{what}: read {stream.Served} bytes");
        ReliabilityReport.Record("fuzz", $"guest-agent reader fed {what} by a hostile guest",
            $"refused after {stream.Served / 1048576.0:0.0} MiB in {elapsed.TotalSeconds:0.00} s, {allocated / 1048576} MiB allocated: {error!.Message}");
    }

    [Fact]
    public async Task Guest_agent_sync_stops_an_endless_flood()
    {
        using var stream = new EndlessStream("", "noise", readSize: 4096);
        var reader = new QgaLineReader(stream, trace: null);
        var (error, elapsed, _) = await Measure(ct => reader.SkipToSentinelAsync(1024 * 1024, ct).AsTask());
        Assert.Contains("flood", Assert.IsType<QgaProtocolException>(error).Message);
        Assert.True(elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Chunked_api_body_over_the_limit_is_a_400_not_a_30_MB_read()
    {
        // A chunked request has no Content-Length, so only reading can find that it is too large.
        using var body = new EndlessStream("{\"name\": \"", "a", readSize: 4096);
        var context = new DefaultHttpContext();
        context.Request.Body = body;
        context.Request.ContentType = "application/json";
        var (error, _, allocated) = await Measure(ct => JsonBody.ReadAsync(context.Request, VireoJsonContext.Default.NetworkSpec, ct));
        var e = Assert.IsType<InvalidInputException>(error);
        Assert.Contains("larger than 64 KiB", e.Message);
        Assert.Equal(400, ErrorMapping.ToApiError(e).Status);
        Assert.True(body.Served <= JsonBody.MaxBytes + 4096, $"read {body.Served} bytes");
        Assert.True(allocated < 16L * 1024 * 1024, $"allocated {allocated / 1048576} MiB");
        ReliabilityReport.Record("fuzz", "API JSON body sent chunked without end",
            $"400 \"{e.Message}\" after {body.Served / 1024} KiB, {allocated / 1048576} MiB allocated");
    }

    [Fact]
    public async Task Optional_api_body_sent_chunked_is_bounded_too()
    {
        using var body = new EndlessStream("{\"timeout_seconds\": ", "1", readSize: 4096);
        var context = new DefaultHttpContext();
        context.Request.Body = body;
        context.Request.ContentType = "application/json";
        var (error, _, _) = await Measure(ct => JsonBody.ReadOptionalAsync(context.Request, VireoJsonContext.Default.ShutdownRequest, ct));
        Assert.Contains("larger than", Assert.IsType<InvalidInputException>(error).Message);
        Assert.True(body.Served <= JsonBody.MaxBytes + 4096, $"read {body.Served} bytes");
    }

    [Fact]
    public void Lease_file_with_a_huge_line_is_read_only_up_to_its_limit()
    {
        var file = Path.Combine(Path.GetTempPath(), $"vireo-fuzz-leases-{Guid.NewGuid():N}");
        try
        {
            using (var w = new StreamWriter(file))
            {
                w.Write("1765200000 52:54:00:12:34:56 192.168.122.10 web1 *\n");
                w.Write("1765200000 52:54:00:12:34:57 192.168.122.11 ");
                w.Write(new string('h', 20 * 1024 * 1024)); // a 20 MiB "hostname"
                w.Write(" *\n99999999999999 52:54:00:12:34:58 192.168.122.12 far *\n");
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            var leases = DnsmasqLeases.Read(file);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal("192.168.122.10", Assert.Single(leases).Address);
            Assert.True(allocated < 16L * DnsmasqLeases.MaxFileBytes, $"allocated {allocated / 1048576} MiB");
            ReliabilityReport.Record("fuzz", "dnsmasq lease file with a 20 MiB line",
                $"read the first {DnsmasqLeases.MaxFileBytes / 1048576} MiB only, kept the 1 good lease, {allocated / 1048576} MiB allocated, {watch.ElapsedMilliseconds} ms");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Lease_with_an_expiry_past_year_9999_is_skipped_not_thrown()
    {
        var leases = DnsmasqLeases.Parse("99999999999999 52:54:00:12:34:58 192.168.122.12 far *\n0 52:54:00:12:34:59 192.168.122.13 * *\n");
        Assert.Equal("192.168.122.13", Assert.Single(leases).Address);
    }

    [Theory]
    [InlineData("{\"nftables\": 5}")]
    [InlineData("{\"nftables\": [{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"comment\": \"vireo:x\"}}]}")]
    [InlineData("{\"nftables\": [{\"rule\": {\"family\": \"inet\", \"table\": \"t\", \"chain\": \"c\", \"comment\": \"vireo:x\", \"handle\": \"7\"}}]}")]
    public void Nft_output_of_an_unexpected_shape_is_invalid_data(string json)
    {
        using var doc = ToolJson.Parse("nft", json);
        var e = Assert.Throws<InvalidDataException>(() => ToolJson.Read("nft -j list ruleset", () => NftFirewall.TaggedRules(doc, null, "vireo")));
        Assert.Contains("nft -j list ruleset", e.Message);
    }

    [Fact]
    public void Nft_output_that_is_not_json_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => ToolJson.Parse("nft", "{\"nftables\": [}"));
        Assert.Throws<InvalidDataException>(() => ToolJson.Parse("nft", new string('[', 100) + new string(']', 100)));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[{\"ifname\": \"x\", \"addr_info\": [{\"family\": \"inet\", \"local\": \"1.2.3.4\", \"prefixlen\": \"24\"}]}]")]
    [InlineData("[{\"flags\": [1]}]")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")]
    public void Ip_output_of_an_unexpected_shape_is_invalid_data(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => IpJson.ParseLinks(json));
        Assert.Contains("ip -json", e.Message);
    }

    [Fact]
    public void Spec_over_one_mebibyte_is_one_error_naming_the_document()
    {
        var text = "name: web1\ndescription: \"" + new string('x', 2 * 1024 * 1024) + "\"\n";
        var result = VmSpecParser.Parse(text);
        Assert.Null(result.Spec);
        Assert.Contains("at most", Assert.Single(result.Errors).Message);
    }

    /// <summary>
    /// Runs a read on its own thread (the streams here complete synchronously, so a reader that never stops would
    /// never yield), cancelled after 60 s: a reader without a limit fails the test instead of hanging it.
    /// </summary>
    private static async Task<(Exception? Error, TimeSpan Elapsed, long Allocated)> Measure(Func<CancellationToken, Task> read)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        Exception? error = null;
        try
        {
            await Task.Run(() => read(limit.Token));
        }
        catch (Exception e)
        {
            error = e;
        }
        Assert.False(limit.IsCancellationRequested, $"the reader was still reading after 60 s ({error?.GetType().Name})");
        return (error, watch.Elapsed, GC.GetTotalAllocatedBytes(precise: true) - before);
    }
}

/// <summary>
/// A stream that never ends: <c>head</c> once, then <c>repeat</c> forever, at most <c>readSize</c> bytes a read.
/// Counts what it served.
/// </summary>
internal sealed class EndlessStream(string head, string repeat, int readSize, bool latin1 = false) : Stream
{
    private readonly byte[] _head = latin1 ? Encoding.Latin1.GetBytes(head) : Encoding.UTF8.GetBytes(head);
    private readonly byte[] _repeat = latin1 ? Encoding.Latin1.GetBytes(repeat) : Encoding.UTF8.GetBytes(repeat);
    private long _served;

    public long Served => Interlocked.Read(ref _served);
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Served; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, readSize);
        for (var i = 0; i < n; i++)
        {
            var at = _served + i;
            buffer[i] = at < _head.Length ? _head[at] : _repeat[(at - _head.Length) % _repeat.Length];
        }
        Interlocked.Add(ref _served, n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return new(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
