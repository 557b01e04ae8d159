using Vireo.Core.Errors;
using Vireo.Qemu;
using Vireo.Qemu.Model;

namespace Vireo.Core.Engine;

internal sealed partial class VirtualMachine
{
    /// <summary>
    /// Gives QEMU (uid <paramref name="uid"/>, group vireo-qemu) the files it opens, as libvirt's DAC driver does:
    /// the VM's own writable files become uid:vireo-qemu 0600; read-only ones (base images of the backing chains,
    /// ISOs, kernel, initrd, firmware) must be readable by the group or everyone. Vireo's own files under the state
    /// directory are made group-readable; any other file QEMU could not open is refused with the path and the fix.
    /// </summary>
    private QemuLaunchOptions GrantFilesToQemu(VmPlan plan, int uid)
    {
        var c = plan.Config;
        var errors = new List<string>();
        void Read(string path) => GrantRead(path, uid, errors);
        foreach (var node in c.BlockNodes)
            GrantNode(node, uid, errors);
        if (c.Uefi is { } uefi)
        {
            foreach (var node in uefi.Nodes)
            {
                if (node.Path == Paths.UefiVars) OwnForQemu(node.Path, uid);
                else Read(node.Path);
            }
        }
        if (c.DirectKernelBoot is { } kernel)
        {
            Read(kernel.KernelPath);
            if (kernel.InitrdPath is not null) Read(kernel.InitrdPath);
        }
        if (File.Exists(Paths.SerialLog))
            OwnForQemu(Paths.SerialLog, uid);
        if (errors.Count > 0)
            throw new InvalidStateException(string.Join("; ", errors.Distinct()));
        return new QemuLaunchOptions { Uid = uid, Gid = QemuConfinement.Gid, Groups = QemuConfinement.KvmGroups(plan.Accel) };
    }


    /// <summary>The VM's QEMU uid (see <see cref="QemuConfinement.UidFor"/>).</summary>
    private int QemuUid => QemuConfinement.UidFor(Paths, _ctx.Paths.VmsDir);

    /// <summary>Gives QEMU one block node it is about to open (hot-plug, CD-ROM change), or throws with the path and the fix.</summary>
    private void GrantNodeOrThrow(BlockNode node)
    {
        var errors = new List<string>();
        GrantNode(node, QemuUid, errors);
        if (errors.Count > 0)
            throw new InvalidStateException(string.Join("; ", errors.Distinct()));
    }

    /// <summary>The VM's own writable node becomes uid:vireo-qemu 0600; a read-only one, and every backing file, must be readable.</summary>
    private void GrantNode(BlockNode node, int uid, List<string> errors)
    {
        if (node.ReadOnly && node.Path != Paths.CloudInitSeed)
            GrantRead(node.Path, uid, errors);
        else if (File.Exists(node.Path))
            OwnForQemu(node.Path, uid);
        if (node.Format == DiskFormat.Qcow2)
            foreach (var (backing, _) in QemuConfinement.BackingChain(node.Path, "disks"))
                GrantRead(backing, uid, errors);
    }

    /// <summary>
    /// A file QEMU only reads: fine when the group or everyone may read it. Vireo's own files under the state
    /// directory (a pool's base image) are made group-readable; any other is left as it is and reported.
    /// </summary>
    private void GrantRead(string path, int uid, List<string> errors)
    {
        if (QemuConfinement.CheckAccess(path, uid, write: false) is not { } problem) return;
        var full = Path.GetFullPath(path);
        if (full.StartsWith(_ctx.Paths.Root + "/", StringComparison.Ordinal) && File.Exists(full))
        {
            var st = UnixStat.Of(full);
            QemuConfinement.Own(full, st.Uid, QemuConfinement.Gid, (UnixFileMode)(st.Mode & 0x1ff) | UnixFileMode.GroupRead);
            problem = QemuConfinement.CheckAccess(path, uid, write: false);
        }
        if (problem is not null) errors.Add(problem);
    }
}
