using Microsoft.Extensions.Logging;
using Vireo.Contracts;
using Vireo.Core.Errors;

namespace Vireo.Core.Networks;

/// <summary>
/// One vireod manages Vireo's virtual networks in a network namespace: their bridges (vireo-NAME), dnsmasq on them and
/// the nftables table "vireo" (rendered whole, so a second vireod would wipe the first's rules). A second vireod on the
/// same host, with its own state directory, finds the namespace's lock held (an flock on
/// /run/vireo/netns-INODE.lock, which dies with its holder) and refuses nat and isolated networks with a clear
/// message; its VMs still run with user networking, on an existing host bridge, or without a NIC.
/// </summary>
public sealed partial class NetworkService
{
    private const string LockDirectory = "/run/vireo";
    private FileStream? _hostLock;

    /// <summary>Why this vireod may not manage nat/isolated networks (another vireod does); null when it may.</summary>
    internal string? ManagedElsewhere { get; private set; }

    private void ClaimHostNetworking()
    {
        if (_hostLock is not null || ManagedElsewhere is not null)
            return;
        string netns;
        try
        {
            // "net:[4026531840]": the namespace's inode, the same for every process in it.
            netns = new string(File.ResolveLinkTarget("/proc/self/ns/net", false)?.ToString().Where(char.IsAsciiDigit).ToArray() ?? []);
        }
        catch (IOException)
        {
            return;
        }
        if (netns.Length == 0)
            return;
        var lockPath = Path.Combine(LockDirectory, $"netns-{netns}.lock");
        var ownerPath = Path.Combine(LockDirectory, $"netns-{netns}.owner");
        try
        {
            Directory.CreateDirectory(LockDirectory);
            // FileShare.None is an exclusive flock on Unix: held until this vireod exits, however it exits.
            _hostLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            Vireo.Host.Os.AtomicFile.Write(ownerPath, $"PID {Environment.ProcessId}, state directory {_paths.Root}");
        }
        catch (IOException)
        {
            string owner;
            try
            {
                owner = File.ReadAllText(ownerPath).Trim();
            }
            catch (IOException)
            {
                owner = "unknown";
            }
            ManagedElsewhere = $"another vireod ({owner}) manages Vireo's nat and isolated networks on this host: " +
                               "their bridges, dnsmasq and the nftables table \"vireo\" would clash with this one's (state directory " + _paths.Root + ")";
            _log.LogWarning("{Why}; this vireod creates no default network and starts no nat or isolated network", ManagedElsewhere);
        }
        catch (UnauthorizedAccessException e)
        {
            _log.LogWarning("cannot take the network lock {Path}: {Error}", lockPath, e.Message);
        }
    }

    private void ReleaseHostNetworking()
    {
        _hostLock?.Dispose();
        _hostLock = null;
    }

    private void ThrowIfManagedElsewhere(NetworkSpec spec)
    {
        if (ManagedElsewhere is not null && spec.Mode is NetworkMode.Nat or NetworkMode.Isolated)
            throw new InvalidStateException($"network \"{spec.Name}\" cannot be used here: {ManagedElsewhere}")
            {
                Hint = "Manage nat/isolated networks with that vireod; VMs of this one can use --network user, --network bridge=BR (an existing host bridge) or --network none",
            };
    }
}
