using Vireo.Qemu.Model;

namespace Vireo.Qemu.Tests.Support;

/// <summary>Creates the directories and files a configuration refers to, so real QEMU can start it.</summary>
public static class ConfigMaterializer
{
    public static async Task PrepareAsync(QemuVmConfig c, CancellationToken ct = default)
    {
        foreach (var path in new[] { c.QmpSocketPath, c.PidFilePath, c.SerialConsole?.SocketPath, c.SerialConsole?.LogFilePath }
                     .Concat(c.Chardevs.SelectMany(ch => new[] { ch.SocketPath, ch.LogFilePath })))
        {
            if (path is not null) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        if (c.DirectKernelBoot is { } k)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(k.KernelPath)!);
            MultibootKernel.Write(k.KernelPath, "VIREO-GOLDEN");
            if (k.InitrdPath is not null) await File.WriteAllBytesAsync(k.InitrdPath, new byte[4096], ct);
        }
        foreach (var node in c.BlockNodes)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(node.Path)!);
            if (!File.Exists(node.Path)) await TestPaths.QemuImg.CreateAsync(node.Path, node.Format, 16 << 20, null, ct);
        }
    }
}
