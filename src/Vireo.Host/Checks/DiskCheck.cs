using Vireo.Contracts;
using Vireo.Host.Linux;

namespace Vireo.Host.Checks;

/// <summary>Free space where VM disks will live (the state directory, or its nearest existing parent).</summary>
internal sealed class DiskCheck : FileHostCheck
{
    public const long WarnBelowBytes = 5 * Units.GiB;
    public const long FailBelowBytes = 500 * Units.MiB;

    public override string Id => HostCheckIds.HostDisk;
    public override string Title => "Disk space";

    protected override HostCheckItem Check(HostEnvironment env)
    {
        var dir = StateDirCheck.NearestExisting(env.StateDir);
        if (dir is null || !Directory.Exists(dir))
            return Warn($"cannot measure free space for {env.StateDir}: {dir ?? "no parent"} is not a directory",
                "choose a state directory on a real file system (see State directory)");

        Os.DiskSpace space;
        try
        {
            space = env.DiskSpace(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Warn($"cannot measure free space at {dir}: {e.Message}", "check that the file system holding it is mounted");
        }

        var detail = $"{Units.Bytes(space.AvailableBytes)} free of {Units.Bytes(space.TotalBytes)} on the file system holding {env.StateDir}";
        const string fix = "free space on that file system (VM disks grow as guests write) or choose a state directory on a larger one";
        if (space.AvailableBytes < FailBelowBytes) return Fail($"{detail}: not enough for even one VM disk", fix);
        if (space.AvailableBytes < WarnBelowBytes) return Warn($"{detail}: enough for a few small VMs only", fix);
        return Pass(detail);
    }
}
