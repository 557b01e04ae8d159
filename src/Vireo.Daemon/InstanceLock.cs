namespace Vireo.Daemon;

/// <summary>
/// One vireod per state directory: two daemons driving the same QEMU processes and database would fight.
/// .NET implements FileShare.None with flock(LOCK_EX|LOCK_NB), which the kernel drops when the process dies,
/// so a kill -9 never leaves a stale lock.
/// </summary>
internal static class InstanceLock
{
    public static FileStream? TryAcquire(string stateDir, out string? error)
    {
        Directory.CreateDirectory(stateDir);
        var path = Path.Combine(stateDir, "vireod.lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var writer = new StreamWriter(stream, leaveOpen: true))
                writer.Write(Environment.ProcessId);
            stream.Flush();
            error = null;
            return stream;
        }
        catch (IOException)
        {
            var holder = File.Exists(path) ? File.ReadAllText(path).Trim() : "?";
            error = $"another vireod (PID {holder}) already owns the state directory {stateDir}";
            return null;
        }
    }
}
