using Vireo.Host.Os;

namespace Vireo.Host.Uplink;

/// <summary>
/// One echo request bound to an interface: <c>ping -n -q -c 1 -W 1 -I DEV ADDRESS</c> (iputils-ping; scripts/deps.sh
/// installs package <c>iputils-ping</c>). <c>-I DEV</c> binds the socket to the device (SO_BINDTODEVICE), so the
/// answer proves the path through that device, whatever other routes the host has.
/// </summary>
internal static class ReachabilityProbe
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(1);

    public static async Task<bool> AnswersAsync(ICommandRunner runner, string device, string address, CancellationToken ct)
    {
        var r = await runner.RunAsync("ping", ["-n", "-q", "-c", "1", "-W", "1", "-I", device, address],
            TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        if (r.StartError is not null && r.StartError.StartsWith("cannot run", StringComparison.Ordinal))
            throw new IOException($"cannot run ping ({r.StartError}); install package iputils-ping");
        return r.Succeeded;
    }
}
