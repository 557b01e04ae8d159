using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Vireo.Host.Tests.Uplink;

/// <summary>
/// A continuous ping from the LAN namespace to the host (every 50 ms, a fixed count), started before a conversion
/// and read after it. It is our own process: if the test fails early, Dispose kills it by its Process object (PID).
/// </summary>
internal sealed partial class LanPinger : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;

    public LanPinger(string lanNamespace, string address, int count)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // -i 0.05 needs root (below 0.2 s); -W 1 so a lost reply is counted lost rather than late.
        foreach (var a in (string[])["netns", "exec", lanNamespace, "ping", "-n", "-q", "-i", "0.05", "-W", "1", "-c", count.ToString(), address])
            psi.ArgumentList.Add(a);
        psi.Environment["LC_ALL"] = "C";
        _process = Process.Start(psi)!;
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _ = _process.StandardError.ReadToEndAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Waits for the last echo and returns (sent, received).</summary>
    public async Task<(int Sent, int Received)> FinishAsync(TimeSpan within)
    {
        using var cts = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(cts.Token);
        var text = await _stdout;
        var m = Summary().Match(text);
        Assert.True(m.Success, $"no ping summary in: {text}");
        return (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received")]
    private static partial Regex Summary();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
