using System.Runtime.CompilerServices;

namespace Vireo.Qemu.Tests.Support;

public static class TestPaths
{
    /// <summary>The test project's source directory (golden files and fixtures live there, not in bin/).</summary>
    public static string ProjectDir { get; } = Path.GetDirectoryName(Path.GetDirectoryName(ThisFile()))!;

    public static string Fixture(string name) => Path.Combine(ProjectDir, "Fixtures", "qemu-7.2.22", name);

    public static string Emulator => QemuBinary.Locate()
        ?? throw new InvalidOperationException("qemu-system-x86_64 not found: install qemu-system-x86 or set VIREO_QEMU.");

    public static QemuImg QemuImg => QemuImg.Locate();

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
