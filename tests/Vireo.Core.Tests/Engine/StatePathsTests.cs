using Vireo.Core.Engine;

namespace Vireo.Core.Tests.Engine;

public sealed class StatePathsTests
{
    [Fact]
    public void Per_vm_files_live_under_the_vm_uuid()
    {
        var paths = new StatePaths("/var/lib/vireo").ForVm("6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11");
        Assert.Equal("/var/lib/vireo/vms/6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11/qmp.sock", paths.QmpSocket);
        Assert.Equal("/var/lib/vireo/vms/6c7b2a52-93f4-4a55-9b8c-3f3d1c0e8a11/serial.log", paths.SerialLog);
        Assert.DoesNotContain(paths.SerialLog, paths.RuntimeFiles);
    }

    [Fact]
    public void A_state_directory_too_long_for_unix_sockets_is_refused_with_the_reason()
    {
        Assert.Null(new StatePaths("/var/lib/vireo").CheckSocketPathLength());
        var problem = new StatePaths("/" + new string('d', 70)).CheckSocketPathLength();
        Assert.NotNull(problem);
        Assert.Contains("107-byte limit", problem);
    }
}
