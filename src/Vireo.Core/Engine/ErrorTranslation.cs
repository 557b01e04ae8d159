using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qmp;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>Turns QEMU-layer failures into user-facing errors that name the VM and the operation.</summary>
    private Exception Translate(Exception e, string operation) => e switch
    {
        VireoException => e,
        OperationCanceledException => e,
        QemuLaunchException launch => new QemuFailedException($"cannot {operation} VM \"{Name}\": {launch.Message}", launch),
        QmpCommandException command => new QemuFailedException($"cannot {operation} VM \"{Name}\": {command.Message}", command),
        QmpTimeoutException timeout => new OperationTimeoutException($"cannot {operation} VM \"{Name}\": {timeout.Message}", timeout),
        QmpException qmp => new QemuFailedException($"cannot {operation} VM \"{Name}\": {qmp.Message}", qmp),
        _ => e,
    };
}
