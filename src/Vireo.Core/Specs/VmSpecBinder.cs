using Vireo.Contracts;

namespace Vireo.Core.Specs;

/// <summary>
/// Binds a <see cref="SpecNode"/> tree onto <see cref="VmSpec"/> by hand. Always produces a spec — fields with
/// errors keep their defaults — so that the validator can still run on the rest and report its problems too.
/// Only structure and types are checked here; value rules live in <see cref="VmSpecValidator"/>.
/// </summary>
internal static class VmSpecBinder
{
    private static readonly string[] OnCrashNames = ["destroy", "restart", "preserve"];

    public static VmSpec Bind(SpecNode root, SpecBindContext cx)
    {
        if (root is not SpecMapping map)
        {
            cx.Add(SpecTreeReader.DocumentField, null,
                $"is {root.KindName}; a spec is a mapping of fields, starting with e.g. \"name: web1\"");
            return new VmSpec { Name = "" };
        }

        var spec = new VmSpec { Name = "" };
        var hasName = false;
        cx.Fields(map, "", SpecFields.Root, (key, node, path) =>
        {
            switch (key)
            {
                case "name":
                    var name = cx.String(node, path);
                    hasName = name is not null || !SpecBindContext.IsNull(node);
                    spec = spec with { Name = name ?? "" };
                    break;
                case "uuid": spec = spec with { Uuid = cx.String(node, path) }; break;
                case "description": spec = spec with { Description = cx.String(node, path) }; break;
                case "image": spec = spec with { Image = cx.String(node, path) }; break;
                case "vcpus": spec = spec with { Vcpus = cx.Int(node, path, "2") ?? spec.Vcpus }; break;
                case "max_vcpus": spec = spec with { MaxVcpus = cx.Int(node, path, "4") }; break;
                case "max_memory": spec = spec with { MaxMemory = cx.MemoryMiB(node, path) }; break;
                case "memory": spec = spec with { Memory = cx.MemoryMiB(node, path) ?? spec.Memory }; break;
                case "machine": spec = spec with { Machine = cx.String(node, path) ?? spec.Machine }; break;
                case "cpu": spec = spec with { Cpu = cx.String(node, path) ?? spec.Cpu }; break;
                case "accel": spec = spec with { Accel = cx.String(node, path) ?? spec.Accel }; break;
                case "boot": spec = spec with { Boot = BindBoot(node, path, cx) }; break;
                case "disks": spec = spec with { Disks = BindList(node, path, cx, "[{path: /var/lib/vireo/web.qcow2, format: qcow2}]", BindDisk) }; break;
                case "nics": spec = spec with { Nics = BindList(node, path, cx, "[{type: user}]", BindNic) }; break;
                case "serial": spec = spec with { Serial = cx.Bool(node, path) ?? spec.Serial }; break;
                case "graphics": spec = spec with { Graphics = BindGraphics(node, path, cx) }; break;
                case "autostart": spec = spec with { Autostart = cx.Bool(node, path) ?? spec.Autostart }; break;
                case "on_crash": spec = spec with { OnCrash = BindOnCrash(node, path, cx) ?? spec.OnCrash }; break;
            }
        });
        if (!hasName) cx.Add("name", null, "missing; every VM needs a name, e.g. \"name: web1\"");
        return spec;
    }

    private static BootSpec BindBoot(SpecNode node, string path, SpecBindContext cx)
    {
        var boot = new BootSpec();
        var map = cx.Mapping(node, path, "{kernel: /path/vmlinuz, cmdline: console=ttyS0}");
        if (map is null) return boot;
        cx.Fields(map, path, SpecFields.Boot, (key, value, p) =>
        {
            switch (key)
            {
                case "kernel": boot = boot with { Kernel = cx.String(value, p) }; break;
                case "initrd": boot = boot with { Initrd = cx.String(value, p) }; break;
                case "cmdline": boot = boot with { Cmdline = cx.String(value, p) }; break;
                case "order": boot = boot with { Order = BootDevices(value, p, cx) }; break;
                case "once": boot = boot with { Once = BootDevices(value, p, cx) }; break;
                case "firmware": boot = boot with { Firmware = cx.String(value, p) ?? "bios" }; break;
                case "secure_boot": boot = boot with { SecureBoot = cx.Bool(value, p) ?? false }; break;
            }
        });
        return boot;
    }

    private static List<string> BootDevices(SpecNode value, string p, SpecBindContext cx)
    {
        var order = new List<string>();
        var seq = cx.Sequence(value, p, "[disk, cdrom]");
        if (seq is null) return order;
        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            var itemPath = SpecFields.Index(p, i);
            if (SpecBindContext.IsNull(item)) cx.Add(itemPath, null, "is empty; give disk, cdrom or network");
            else if (cx.String(item, itemPath) is { } entry) order.Add(entry);
        }
        return order;
    }

    private static DiskSpec BindDisk(SpecMapping map, string path, SpecBindContext cx)
    {
        var disk = new DiskSpec();
        cx.Fields(map, path, SpecFields.Disk, (key, value, p) =>
        {
            switch (key)
            {
                case "path": disk = disk with { Path = cx.String(value, p) }; break;
                case "format": disk = disk with { Format = cx.String(value, p) }; break;
                case "device": disk = disk with { Device = cx.String(value, p) ?? disk.Device }; break;
                case "bus": disk = disk with { Bus = cx.String(value, p) }; break;
                case "readonly": disk = disk with { Readonly = cx.Bool(value, p) ?? disk.Readonly }; break;
                case "serial": disk = disk with { Serial = cx.String(value, p) }; break;
                case "volume": disk = disk with { Volume = cx.String(value, p) }; break;
                case "cache": disk = disk with { Cache = cx.String(value, p) }; break;
                case "aio": disk = disk with { Aio = cx.String(value, p) }; break;
                case "discard": disk = disk with { Discard = cx.String(value, p) }; break;
            }
        });
        return disk;
    }

    private static NicSpec BindNic(SpecMapping map, string path, SpecBindContext cx)
    {
        var nic = new NicSpec();
        cx.Fields(map, path, SpecFields.Nic, (key, value, p) =>
        {
            switch (key)
            {
                case "type": nic = nic with { Type = cx.String(value, p) ?? nic.Type }; break;
                case "network": nic = nic with { Network = cx.String(value, p) }; break;
                case "bridge": nic = nic with { Bridge = cx.String(value, p) }; break;
                case "link": nic = nic with { Link = cx.Bool(value, p) ?? nic.Link }; break;
                case "mac": nic = nic with { Mac = cx.String(value, p) }; break;
                case "model": nic = nic with { Model = cx.String(value, p) ?? nic.Model }; break;
            }
        });
        return nic;
    }

    private static GraphicsSpec BindGraphics(SpecNode node, string path, SpecBindContext cx)
    {
        var graphics = new GraphicsSpec();
        if (node is SpecScalar { Kind: ScalarKind.String } shorthand)
        {
            var example = shorthand.Text is "vnc" or "none" ? shorthand.Text : "vnc";
            cx.Add(path, shorthand.Text, $"is text; expected a mapping such as {{type: {example}}}");
            return graphics;
        }
        var map = cx.Mapping(node, path, "{type: vnc, port: 5901}");
        if (map is null) return graphics;
        cx.Fields(map, path, SpecFields.Graphics, (key, value, p) =>
        {
            switch (key)
            {
                case "type": graphics = graphics with { Type = cx.String(value, p) ?? graphics.Type }; break;
                case "port": graphics = graphics with { Port = cx.Int(value, p, "5901") }; break;
            }
        });
        return graphics;
    }

    private static OnCrash? BindOnCrash(SpecNode node, string path, SpecBindContext cx)
    {
        var text = cx.String(node, path);
        switch (text)
        {
            case null: return null;
            case "destroy": return OnCrash.Destroy;
            case "restart": return OnCrash.Restart;
            case "preserve": return OnCrash.Preserve;
            default:
                cx.Add(path, text, $"is not a crash action; {Suggestions.Hint(text, OnCrashNames, "use one of")}");
                return null;
        }
    }

    private static IReadOnlyList<T> BindList<T>(SpecNode node, string path, SpecBindContext cx, string example,
        Func<SpecMapping, string, SpecBindContext, T> bindItem)
    {
        var seq = cx.Sequence(node, path, example);
        if (seq is null) return [];
        var items = new List<T>();
        for (var i = 0; i < seq.Items.Count; i++)
        {
            var itemPath = SpecFields.Index(path, i);
            var item = seq.Items[i];
            SpecMapping? map;
            if (SpecBindContext.IsNull(item))
            {
                cx.Add(itemPath, null, "is empty; remove the lone \"-\" or fill in the entry");
                map = null;
            }
            else
            {
                map = cx.Mapping(item, itemPath, example.Trim('[', ']'));
            }
            // A broken entry still takes its place (with defaults) so that later entries keep their index and
            // the validator's paths (disks[2]) still point at what the user wrote.
            items.Add(bindItem(map ?? new SpecMapping([], item.Mark), itemPath, cx));
        }
        return items;
    }
}
