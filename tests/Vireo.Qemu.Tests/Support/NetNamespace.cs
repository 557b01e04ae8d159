using System.Diagnostics;

namespace Vireo.Qemu.Tests.Support;

/// <summary>
/// A network namespace of our own (needs root), so tap devices QEMU creates never touch the host's network.
/// </summary>
public sealed class NetNamespace : IDisposable
{
    private NetNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetNamespace Create()
    {
        var ns = new NetNamespace("vq-" + Guid.NewGuid().ToString("N")[..8]);
        Ip("netns", "add", ns.Name);
        return ns;
    }

    /// <summary>An emulator path + argv prefix that runs QEMU inside the namespace (ip execs it, no shell).</summary>
    public (string Program, IReadOnlyList<string> Argv) Wrap(string emulator, IReadOnlyList<string> argv) =>
        ("ip", ["netns", "exec", Name, emulator, .. argv]);

    public void Dispose() => Ip("netns", "del", Name);

    private static void Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {err}");
    }
}
