using System.Runtime.InteropServices;
using System.Text;
using Vireo.Host.Os;

namespace Vireo.Host.Network;

/// <summary>
/// One dnsmasq per network. dnsmasq daemonizes itself (so it outlives vireod, like QEMU does) and is found again
/// through its pid file, checked against /proc/PID/cmdline before any signal, so a recycled PID is never signalled.
/// </summary>
public sealed partial class DnsmasqProcess(ICommandRunner runner)
{
    /// <summary>The dnsmasq binary of Debian's dnsmasq-base.</summary>
    public const string Binary = "/usr/sbin/dnsmasq";
    private const int SigHup = 1, SigKill = 9, SigTerm = 15;
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes the configuration (atomically) and starts dnsmasq with it. A dnsmasq already running with an identical
    /// configuration is kept; one running with an older configuration is restarted. Throws
    /// <see cref="InvalidOperationException"/> with dnsmasq's own message when it refuses to start (address in use,
    /// bad option...): dnsmasq's parent waits for the daemon's start-up before it exits, so its status tells.
    /// </summary>
    public async Task StartAsync(DnsmasqSettings s, CancellationToken ct)
    {
        Directory.CreateDirectory(s.Directory);
        var config = DnsmasqConfig.Render(s);
        var unchanged = File.Exists(s.ConfigFile) && await File.ReadAllTextAsync(s.ConfigFile, ct).ConfigureAwait(false) == config;
        if (RunningPid(s.Directory) is not null)
        {
            if (unchanged) return;
            await StopAsync(s.Directory, ct).ConfigureAwait(false);
        }
        if (!unchanged) AtomicFile.Write(s.ConfigFile, config);
        // dnsmasq refuses to start without the files it is told to read.
        if (!File.Exists(s.HostsFile)) AtomicFile.Write(s.HostsFile, "");
        if (!File.Exists(DnsmasqPaths.AddnHosts(s.Directory))) AtomicFile.Write(DnsmasqPaths.AddnHosts(s.Directory), "");
        File.Delete(DnsmasqPaths.Pid(s.Directory));

        string[] args = [$"--conf-file={s.ConfigFile}"];
        var r = await runner.RunAsync(Binary, args, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (!r.Succeeded)
            throw new InvalidOperationException($"dnsmasq for network {s.Network} did not start: " +
                                                (r.StartError ?? $"{r.Stderr.Trim()} {r.Stdout.Trim()}".Trim()));
        // The daemon writes its pid file right after the parent returns; give it a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (RunningPid(s.Directory) is null)
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"dnsmasq for network {s.Network} started but wrote no pid file {DnsmasqPaths.Pid(s.Directory)}");
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the dnsmasq of <paramref name="directory"/> (SIGTERM, then SIGKILL after 5 s) and waits until it is gone.
    /// Nothing running is fine.
    /// </summary>
    public async Task StopAsync(string directory, CancellationToken ct)
    {
        if (RunningPid(directory) is not { } pid) return;
        var started = StartTime(pid);
        Signal(pid, SigTerm);
        var deadline = DateTime.UtcNow + StopWait;
        // Wait for the process itself to be gone (or a zombie), not only its command line: an exiting process
        // loses /proc/PID/cmdline before it stops running. The start time guards against a reused PID.
        while (started is not null && StartTime(pid) == started)
        {
            if (DateTime.UtcNow > deadline)
            {
                Signal(pid, SigKill);
                deadline = DateTime.MaxValue;
            }
            await Task.Delay(20, ct).ConfigureAwait(false);
        }
        File.Delete(DnsmasqPaths.Pid(directory));
    }

    /// <summary>
    /// Makes the running dnsmasq re-read its hosts and addn-hosts files (SIGHUP) after <see cref="WriteReservations"/>.
    /// </summary>
    public Task ReloadAsync(string directory)
    {
        if (RunningPid(directory) is not { } pid)
            throw new InvalidOperationException($"no dnsmasq is running for {directory}");
        Signal(pid, SigHup);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The PID of the dnsmasq running for <paramref name="directory"/>, or null. Only a live process whose command line
    /// is dnsmasq with this directory's config counts, never whatever process now has the number in the pid file.
    /// </summary>
    public static int? RunningPid(string directory)
    {
        try
        {
            var text = File.ReadAllText(DnsmasqPaths.Pid(directory)).Trim();
            return int.TryParse(text, out var pid) && pid > 1 && IsOurs(pid, directory) ? pid : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes the DHCP reservations (dhcp-hostsfile lines "MAC,address,hostname") atomically: dnsmasq may read the file
    /// at any moment and must never see half of it.
    /// </summary>
    public static void WriteReservations(string directory, IReadOnlyList<(string Mac, string Address, string Hostname)> hosts)
    {
        var text = new StringBuilder();
        foreach (var (mac, address, hostname) in hosts)
        {
            if ($"{mac}{address}{hostname}".Any(c => c is ',' or '\n' or '\r' or ' '))
                throw new ArgumentException($"reservation {mac} {address} {hostname} contains a character dnsmasq cannot read");
            text.Append(hostname.Length == 0 ? $"{mac},{address}\n" : $"{mac},{address},{hostname}\n");
        }
        Directory.CreateDirectory(directory);
        AtomicFile.Write(DnsmasqPaths.Hosts(directory), text.ToString());
    }

    /// <summary>The process's start time (field 22 of /proc/PID/stat) while it lives; null once gone or a zombie.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsOurs(int pid, string directory)
    {
        try
        {
            var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return argv.Length >= 2 && Path.GetFileName(argv[0]) == "dnsmasq"
                   && argv.Contains($"--conf-file={DnsmasqPaths.Config(directory)}");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    private static void Signal(int pid, int signal)
    {
        // ESRCH: it ended between our check and the signal, which is what we wanted.
        if (Kill(pid, signal) != 0 && Marshal.GetLastPInvokeError() != 3)
            throw new InvalidOperationException($"cannot signal dnsmasq (pid {pid}): errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
