namespace Vireo.Daemon;

/// <summary>
/// One vireod per state directory: two daemons driving the same QEMU processes and database would fight.
/// .NET implements FileShare.None with flock(LOCK_EX|LOCK_NB), which the kernel drops when the process dies,
/// so a kill -9 never leaves a stale lock. The holder's PID goes to a separate, unlocked vireod.pid, because any
/// other open of the lock file by .NET asks for a conflicting shared lock.
/// </summary>
internal static class InstanceLock
{
    public static FileStream? TryAcquire(string stateDir, out string? error)
    {
        Directory.CreateDirectory(stateDir);
        var lockPath = Path.Combine(stateDir, "vireod.lock");
        var pidPath = Path.Combine(stateDir, "vireod.pid");
        try
        {
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            Vireo.Host.Os.AtomicFile.Write(pidPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            error = null;
            return stream;
        }
        catch (IOException)
        {
            var holder = File.Exists(pidPath) ? File.ReadAllText(pidPath).Trim() : "?";
            error = $"another vireod (PID {holder}) already owns the state directory {stateDir}; stop it first, or use another --state-dir";
            return null;
        }
    }
}
