using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>virsh conveniences against a real vireod and guest: start --console, vncdisplay, and ip of a stopped VM.</summary>
public sealed class CliConvenienceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_console_vncdisplay_and_ip_follow_the_vm_through_start_and_stop()
    {
        await using var h = await VireoHarness.StartAsync(output);
        TinyImage.EnsureBuilt();
        await h.VireoOk("create", "--name", "v", "--image", "tiny", "--memory", "128M", "--graphics", "vnc");

        // Stopped: no display and no addresses, each said so with exit 4.
        var display = await h.Vireo("vncdisplay", "v");
        Assert.Equal(4, display.ExitCode);
        Assert.Contains("VM \"v\" is stopped", display.Stderr);
        Assert.Equal(4, (await h.Vireo("ip", "v")).ExitCode);

        // start --console: attached while the guest boots, and what is typed reaches its shell.
        await using (var console = Interactive.Start(["start", "v", "--console"], h.Socket))
        {
            await console.WaitForAsync("VIREO-GUEST-READY", TimeSpan.FromSeconds(90));
            await console.TypeAndCloseAsync("echo marker-$((6*7))\n");
            var (code, stdout, stderr) = await console.ExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(code == 0, $"exit {code}: {stderr}");
            Assert.StartsWith("VM 'v' started, now running", stdout);
            Assert.Contains("marker-42", stdout);
        }

        // vncdisplay: 127.0.0.1:N, and QEMU's VNC server greets on port 5900 + N inside vireod's namespace.
        string shown = (await h.VireoOk("vncdisplay", "v")).Stdout.Trim();
        Assert.Matches(@"^127\.0\.0\.1:[0-9]+$", shown);
        int port = 5900 + int.Parse(shown.Split(':')[1], CultureInfo.InvariantCulture);
        var greeting = await h.Namespace!.ExecOkAsync("bash", "-c", $"exec 3<>/dev/tcp/127.0.0.1/{port}; head -c 12 <&3");
        Assert.StartsWith("RFB 003.", greeting.Stdout);

        // ip: the guest's DHCP lease while it runs; once stopped, "stopped" rather than the lease vireod still holds.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        CommandResult ip;
        while ((ip = await h.Vireo("ip", "v")).ExitCode != 0 && DateTime.UtcNow < deadline)
            await Task.Delay(500);
        Assert.True(ip.ExitCode == 0, ip.ToString());
        Assert.Contains("lease", ip.Stdout);
        await h.VireoOk("destroy", "v");
        ip = await h.Vireo("ip", "v");
        Assert.Equal(4, ip.ExitCode);
        Assert.Equal("", ip.Stdout);
        Assert.StartsWith("error: VM \"v\" is stopped; it has IP addresses only while it runs\n", ip.Stderr);
    }

    /// <summary>The CLI as a process whose stdin stays open until the test has seen what it waits for.</summary>
    private sealed class Interactive : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stdout = new();
        private readonly Task<string> _stderr;
        private readonly Task _reader;

        private Interactive(Process process)
        {
            _process = process;
            _stderr = process.StandardError.ReadToEndAsync();
            _reader = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int n;
                while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0)
                {
                    lock (_stdout)
                        _stdout.Append(buffer, 0, n);
                }
            });
        }

        public static Interactive Start(string[] args, string socket)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { Repo.CliDll }.Concat(args))
                start.ArgumentList.Add(arg);
            start.Environment["VIREO_SOCKET"] = socket;
            return new Interactive(Process.Start(start)!);
        }

        private string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

        public async Task WaitForAsync(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Stdout.Contains(text, StringComparison.Ordinal))
            {
                if (_process.HasExited || DateTime.UtcNow > deadline)
                    throw new TimeoutException($"\"{text}\" not seen; stdout:\n{Stdout}\nstderr:\n{(_process.HasExited ? await _stderr : "")}");
                await Task.Delay(100);
            }
        }

        public async Task TypeAndCloseAsync(string text)
        {
            await _process.StandardInput.WriteAsync(text);
            _process.StandardInput.Close();
        }

        public async Task<(int Code, string Stdout, string Stderr)> ExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            await _reader;
            return (_process.ExitCode, Stdout, await _stderr);
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
                _process.Kill();
            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
