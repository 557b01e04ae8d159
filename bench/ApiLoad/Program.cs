using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;

// A closed-loop load generator with a fixed number of workers (the bound): each worker sends one request, waits for
// the whole answer, and sends the next, for a fixed time after a warm-up. The same loop drives vireod's HTTP API
// (over its Unix socket or over TLS) and libvirtd (through libvirt.so, the client library virsh uses), so both sides
// pay the same harness costs. Prints one JSON line: requests, requests per second, p50/p90/p99 latency, errors.
//
//   apiload --target unix:SOCKET | https://HOST:PORT | libvirt:URI --op list|show [--vm NAME]
//           [--workers N] [--seconds S] [--warmup S]      (token for https: env VIREO_TOKEN)
var opts = Args.Parse(args);
Func<int, IWorker> make = opts.Target switch
{
    var t when t.StartsWith("unix:", StringComparison.Ordinal) => _ => new HttpWorker(opts, HttpWorker.Unix(t[5..])),
    var t when t.StartsWith("https://", StringComparison.Ordinal) => _ => new HttpWorker(opts, HttpWorker.Tls(t)),
    var t when t.StartsWith("libvirt:", StringComparison.Ordinal) => _ => new LibvirtWorker(t[8..], opts),
    _ => throw new ArgumentException($"unknown target {opts.Target}"),
};
var workers = Enumerable.Range(0, opts.Workers).Select(make).ToList();
var latencies = new List<double>[opts.Workers];
var errors = new int[opts.Workers];
var start = Stopwatch.GetTimestamp();
var measureFrom = start + (long)(opts.Warmup * Stopwatch.Frequency);
var stopAt = measureFrom + (long)(opts.Seconds * Stopwatch.Frequency);
var threads = Enumerable.Range(0, opts.Workers).Select(i => new Thread(() =>
{
    var mine = latencies[i] = new List<double>(1 << 16);
    while (true)
    {
        var t0 = Stopwatch.GetTimestamp();
        if (t0 >= stopAt)
            break;
        bool ok;
        try
        {
            ok = workers[i].Run();
        }
        catch (Exception e)
        {
            ok = false;
            if (errors[i] == 0)
                Console.Error.WriteLine($"apiload: {e.GetType().Name}: {e.Message}");
        }
        var t1 = Stopwatch.GetTimestamp();
        if (t0 >= measureFrom)
        {
            if (ok)
                mine.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
            else
                errors[i]++;
        }
    }
})).ToList();
threads.ForEach(t => t.Start());
threads.ForEach(t => t.Join());
workers.ForEach(w => w.Dispose());
var all = latencies.SelectMany(l => l).Order().ToArray();
double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"target\":\"{opts.Target}\",\"op\":\"{opts.Op}\",\"workers\":{opts.Workers},\"requests\":{all.Length},\"errors\":{errors.Sum()},"
    + $"\"rps\":{all.Length / opts.Seconds:F1},\"p50_ms\":{P(0.50):F3},\"p90_ms\":{P(0.90):F3},\"p99_ms\":{P(0.99):F3}}}"));
return errors.Sum() > 0 ? 1 : 0;

internal sealed record Args(string Target, string Op, string? Vm, int Workers, double Seconds, double Warmup)
{
    public static Args Parse(string[] a)
    {
        string? target = null, op = null, vm = null;
        int workers = 4;
        double seconds = 10, warmup = 2;
        for (var i = 0; i < a.Length; i++)
        {
            var v = i + 1 < a.Length ? a[i + 1] : throw new ArgumentException($"{a[i]} needs a value");
            switch (a[i])
            {
                case "--target": target = v; break;
                case "--op": op = v; break;
                case "--vm": vm = v; break;
                case "--workers": workers = int.Parse(v, CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(v, CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(v, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument {a[i]}");
            }
            i++;
        }
        if (target is null || op is not ("list" or "show") || (op == "show" && vm is null))
            throw new ArgumentException("usage: apiload --target T --op list|show [--vm NAME] [--workers N] [--seconds S] [--warmup S]");
        return new Args(target, op, vm, workers, seconds, warmup);
    }
}

internal interface IWorker : IDisposable
{
    /// <summary>One request, answered in full; false for an error answer.</summary>
    bool Run();
}

/// <summary>GET /v1/vms or GET /v1/vms/NAME on one kept-alive connection, the body read to its end.</summary>
internal sealed class HttpWorker(Args opts, (HttpMessageHandler Handler, Uri Base) endpoint) : IWorker
{
    private readonly HttpClient _http = Client(endpoint);
    private readonly string _path = opts.Op == "list" ? "v1/vms" : $"v1/vms/{Uri.EscapeDataString(opts.Vm!)}";

    private static HttpClient Client((HttpMessageHandler Handler, Uri Base) e)
    {
        var http = new HttpClient(e.Handler) { BaseAddress = e.Base };
        if (Environment.GetEnvironmentVariable("VIREO_TOKEN") is { Length: > 0 } token)
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    public static (HttpMessageHandler, Uri) Unix(string socket) => (new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1,
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }, new Uri("http://localhost/"));

    // Loopback to a daemon this benchmark started: its self-signed certificate is accepted as it is.
    public static (HttpMessageHandler, Uri) Tls(string address) => (new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1,
        SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    }, new Uri(address.TrimEnd('/') + "/"));

    public bool Run()
    {
        using var response = _http.GetAsync(_path, HttpCompletionOption.ResponseContentRead).GetAwaiter().GetResult();
        _ = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        return response.IsSuccessStatusCode;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// libvirt through libvirt.so on one connection per worker. "list" is the cheapest way libvirt has to list every
/// domain with its state, vCPUs and memory (one virConnectGetAllDomainStats call; names and UUIDs are read from the
/// returned handles); "show" is what `virsh dumpxml NAME` does (look up by name, then the domain XML).
/// </summary>
internal sealed unsafe class LibvirtWorker : IWorker
{
    private const string Lib = "libvirt.so.0";
    private const uint StatsState = 1, StatsVcpu = 8, StatsBalloon = 4;
    private readonly IntPtr _conn;
    private readonly Args _opts;

    [DllImport(Lib)] private static extern IntPtr virConnectOpen(string uri);
    [DllImport(Lib)] private static extern int virConnectClose(IntPtr conn);
    [DllImport(Lib)] private static extern int virConnectGetAllDomainStats(IntPtr conn, uint stats, out IntPtr records, uint flags);
    [DllImport(Lib)] private static extern void virDomainStatsRecordListFree(IntPtr records);
    [DllImport(Lib)] private static extern IntPtr virDomainGetName(IntPtr dom);
    [DllImport(Lib)] private static extern int virDomainGetUUIDString(IntPtr dom, byte* buf);
    [DllImport(Lib)] private static extern IntPtr virDomainLookupByName(IntPtr conn, string name);
    [DllImport(Lib)] private static extern IntPtr virDomainGetXMLDesc(IntPtr dom, uint flags);
    [DllImport(Lib)] private static extern int virDomainFree(IntPtr dom);
    [DllImport("libc")] private static extern void free(IntPtr p);

    public LibvirtWorker(string uri, Args opts)
    {
        _opts = opts;
        _conn = virConnectOpen(uri);
        if (_conn == IntPtr.Zero)
            throw new InvalidOperationException($"cannot connect to libvirt at {uri}");
    }

    public bool Run()
    {
        if (_opts.Op == "list")
        {
            var n = virConnectGetAllDomainStats(_conn, StatsState | StatsVcpu | StatsBalloon, out var records, 0);
            if (n < 0)
                return false;
            var uuid = stackalloc byte[40];
            // virDomainStatsRecordPtr: { virDomainPtr dom; virTypedParameterPtr params; int nparams; }
            for (var p = (IntPtr*)records; *p != IntPtr.Zero; p++)
            {
                var dom = *(IntPtr*)*p;
                _ = Marshal.PtrToStringUTF8(virDomainGetName(dom));
                _ = virDomainGetUUIDString(dom, uuid);
            }
            virDomainStatsRecordListFree(records);
            return true;
        }
        var d = virDomainLookupByName(_conn, _opts.Vm!);
        if (d == IntPtr.Zero)
            return false;
        var xml = virDomainGetXMLDesc(d, 0);
        virDomainFree(d);
        if (xml == IntPtr.Zero)
            return false;
        _ = Marshal.PtrToStringUTF8(xml);
        free(xml);
        return true;
    }

    public void Dispose() => virConnectClose(_conn);
}
