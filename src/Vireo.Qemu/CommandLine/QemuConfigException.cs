namespace Vireo.Qemu;

/// <summary>A <see cref="Model.QemuVmConfig"/> that QEMU would reject or misread; raised before QEMU runs.</summary>
public sealed class QemuConfigException : Exception
{
    /// <summary>Creates the exception listing every problem found.</summary>
    public QemuConfigException(IReadOnlyList<string> problems)
        : base("Invalid QEMU configuration: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    /// <summary>Each problem, one sentence each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
