using System.CommandLine;
using System.Reflection;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary><c>vireo version</c>: client and daemon versions, QEMU, accelerator, state directory.</summary>
internal static class VersionCommand
{
    public static Command Create(CliApp app)
    {
        var output = OutputFormat.CreateOption();
        var command = app.Docs.Create("version", "Show vireo's and vireod's versions and the host's QEMU setup",
            """
            Prints the client's version, then what vireod reports: its version, the QEMU version and binary, the
            accelerator VMs get (kvm, or tcg: software emulation, much slower) and the state directory.
            When vireod cannot be reached the client version is still printed, and the exit status is 5.
            `vireo --version` prints only the client version.
            """,
            "vireo version",
            "vireo version -o json");
        command.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var env = app.Env;
            bool json = parse.GetValue(output) == OutputFormat.Json;
            string clientVersion = ClientVersion();
            HostInfo? host = null;
            ApiError? daemonError = null;
            int rc = ExitCodes.Ok;
            try
            {
                using var client = app.CreateClient(parse);
                host = await client.GetHostAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is VireoConnectionException or VireoApiException or VireoCertificateException or CliUsageException)
            {
                daemonError = ex is VireoApiException api
                    ? api.Error
                    : new ApiError { Code = ErrorCodes.Unavailable, Title = "vireod is not reachable", Detail = ex.Message };
                rc = app.ReportFailure(ex, ct);
            }

            if (json)
            {
                var report = new VersionReport
                {
                    ClientVersion = clientVersion,
                    Daemon = host,
                    DaemonError = daemonError,
                };
                OutputFormat.WriteJson(env, report, CliJsonContext.Default.VersionReport);
                return rc;
            }
            env.Out.WriteLine($"Client:     vireo {clientVersion}");
            if (host is null)
            {
                env.Out.WriteLine($"Daemon:     not reachable at {Where(app, parse)}");
                return rc;
            }
            env.Out.WriteLine($"Daemon:     vireod {host.Version} on {host.Hostname} ({Where(app, parse)})");
            env.Out.WriteLine($"QEMU:       {host.QemuVersion ?? "not found"}" + (host.Emulator is null ? "" : $" ({host.Emulator})"));
            env.Out.WriteLine($"Accel:      {Display.Accel(host.Accel, host.AccelWarning)}");
            env.Out.WriteLine($"State dir:  {host.StateDir}");
            env.Out.WriteLine($"Host:       {host.HostCpus} CPUs, {SizeParser.Describe(host.HostMemory)}; {host.Vms} VMs defined, {host.ActiveVms} active");
            foreach (var image in host.Images)
                env.Out.WriteLine($"Image:      {image.Name} ({(image.Available ? "available" : "not built")})" +
                                  (image.Location is null ? "" : $" {image.Location}"));
            return rc;
        });
        return command;
    }

    /// <summary>"socket PATH" or "remote NAME (URL)", for the Daemon line.</summary>
    private static string Where(CliApp app, ParseResult parse)
    {
        try
        {
            var target = app.Target(parse);
            return target.IsRemote ? target.Describe() : "socket " + target.Socket;
        }
        catch (CliUsageException)
        {
            return "an invalid --connect/VIREO_CONNECT";
        }
    }

    internal static string ClientVersion() => BuildVersion.Of(typeof(VersionCommand).Assembly);
}
