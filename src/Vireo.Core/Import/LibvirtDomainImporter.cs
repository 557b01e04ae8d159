using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Core.Specs;

namespace Vireo.Core.Import;

/// <summary>
/// Turns a libvirt domain XML (<c>virsh dumpxml</c>) into a <see cref="VmSpec"/>. Pure: it reads no file and asks
/// no host. Every element and attribute is either mapped or listed in <see cref="LibvirtImportResult.Unmapped"/>
/// with its location and the reason: the converter marks what it used, and a last pass lists the rest.
/// What makes no spec at all (not XML, a DTD, not a domain, no name, a disk of unknown format) is an
/// <see cref="InvalidInputException"/> listing every such problem.
/// </summary>
public sealed partial class LibvirtDomainImporter
{
    /// <summary>Largest document accepted, in characters (the same limit as a spec).</summary>
    public const int MaxChars = 1024 * 1024;

    private const string NotMapped = "not mapped: ";
    private const string Handled = "handled by Vireo itself: ";

    private readonly HashSet<XObject> _used = new(ReferenceEqualityComparer.Instance);
    private readonly List<(XObject At, string Reason)> _notes = [];
    private readonly List<FieldError> _errors = [];
    private readonly List<(int Order, string Kind, XElement Boot)> _deviceBoots = [];

    private LibvirtDomainImporter() { }

    /// <summary>Converts <paramref name="xml"/>; throws <see cref="InvalidInputException"/> when no spec can be made.</summary>
    public static LibvirtImportResult Import(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var root = Parse(xml);
        return new LibvirtDomainImporter().Convert(root);
    }

    private static XElement Parse(string xml)
    {
        if (xml.Length > MaxChars)
            throw Invalid("(document)", null, $"is larger than {MaxChars / 1024} KiB, which no libvirt domain needs");
        if (string.IsNullOrWhiteSpace(xml))
            throw Invalid("(document)", null, "is empty; give the XML of a libvirt domain, as virsh dumpxml prints it");
        XDocument doc;
        try
        {
            doc = Vireo.Core.Xml.SafeXml.Load(xml, MaxChars, LoadOptions.SetLineInfo);
        }
        catch (XmlException e) when (e.Message.Contains("DTD", StringComparison.Ordinal))
        {
            throw Invalid("(document)", null,
                $"contains a document type declaration (<!DOCTYPE>) at line {e.LineNumber}, position {e.LinePosition}; Vireo refuses DTDs " +
                "(their entities can expand without bound or read files). virsh dumpxml never writes one: remove it");
        }
        catch (XmlException e)
        {
            throw Invalid("(document)", null, $"is not well-formed XML: {TrimPosition(e.Message)} (line {e.LineNumber}, position {e.LinePosition})");
        }
        var root = doc.Root!;
        if (root.Name.LocalName != "domain" || root.Name.NamespaceName.Length > 0)
            throw Invalid("(document)", "<" + root.Name.LocalName + ">",
                "is not a libvirt domain (the root element must be <domain>); give the XML virsh dumpxml prints for a VM");
        return root;
    }

    private LibvirtImportResult Convert(XElement domain)
    {
        Use(domain);
        var accel = Attr(domain, "type") switch
        {
            null or "kvm" => "auto",
            "qemu" => "tcg",
            var other => Error(domain.Attribute("type")!, $"is a {other} domain; Vireo runs QEMU/KVM guests only (type kvm or qemu)"),
        };
        if (domain.Attribute("id") is { } id)
            Note(id, Handled + "the ID of a running libvirt domain; Vireo VMs are known by name and UUID");

        string name = "";
        if (Child(domain, "name") is { } nameElement && nameElement.Value.Trim().Length > 0)
            name = Text(nameElement)!;
        else
            _errors.Add(new FieldError { Field = "domain/name", Message = "missing; a libvirt domain always has a <name>, and the VM needs one" });
        var uuid = Child(domain, "uuid") is { } uuidElement ? Text(uuidElement) : null;
        string? description = null;
        if (Child(domain, "description") is { } descriptionElement)
            description = Use(descriptionElement).Value;
        if (Child(domain, "title") is { } title)
            Note(title, NotMapped + "Vireo has a description but no title");

        var (memory, maxMemory) = ConvertMemory(domain);
        var (vcpus, maxVcpus) = ConvertVcpus(domain);
        var (machine, boot) = ConvertOs(domain);
        var cpu = ConvertCpu(domain);
        ConvertFeatures(domain);
        ConvertLifecycle(domain, out var onCrash);
        ConvertClockAndPower(domain);
        if (Child(domain, "metadata") is { } metadata)
            Note(metadata, NotMapped + MetadataReason(metadata));

        var devices = Child(domain, "devices");
        var disks = new List<DiskSpec>();
        var nics = new List<NicSpec>();
        var serial = false;
        var graphics = new GraphicsSpec { Type = "none" };
        if (devices is not null)
        {
            Use(devices);
            foreach (var device in devices.Elements())
                ConvertDevice(device, disks, nics, ref serial, ref graphics);
            FinishGraphics(devices, ref graphics);
        }
        boot = boot with { Order = BootOrder(domain, boot.Order, disks, nics) };

        ListTheRest(domain);
        if (_errors.Count > 0)
            throw InvalidInputException.For("libvirt domain", _errors,
                "Fix the XML (virsh edit, or a copy of the file) and import it again; the messages name the elements");

        var spec = new VmSpec
        {
            Name = name,
            Uuid = uuid,
            Description = description,
            Vcpus = vcpus,
            MaxVcpus = maxVcpus,
            Memory = memory,
            MaxMemory = maxMemory,
            Machine = machine,
            Cpu = cpu,
            Accel = accel,
            Boot = boot,
            Disks = disks,
            Nics = nics,
            Serial = serial,
            Graphics = graphics,
            OnCrash = onCrash,
        };
        return new LibvirtImportResult { Spec = spec, Yaml = VmSpecWriter.ToYaml(spec), Unmapped = Unmapped(domain) };
    }

    // ---- memory, vCPUs, CPU ----

    private (long Memory, long? MaxMemory) ConvertMemory(XElement domain)
    {
        var memory = Child(domain, "memory") is { } m ? MiB(m) : null;
        var current = Child(domain, "currentMemory") is { } c ? MiB(c) : null;
        if (Child(domain, "maxMemory") is { } hotplug)
            Note(hotplug, NotMapped + "memory hot-plug (DIMM slots); Vireo grows a running VM's memory with the balloon up to max_memory instead");
        if (memory is null && current is null)
        {
            if (Child(domain, "memory") is null && Child(domain, "currentMemory") is null)
                _errors.Add(new FieldError { Field = "domain/memory", Message = "missing; a libvirt domain always has <memory>" });
            return (512, null);
        }
        var max = memory ?? current!.Value;
        var now = current is { } cur && cur < max ? cur : max;
        return (now, max > now ? max : null);
    }

    /// <summary>A libvirt size (value and unit, KiB by default) in whole MiB; a remainder is dropped with a note.</summary>
    private long? MiB(XElement e)
    {
        Use(e);
        var unit = Attr(e, "unit") ?? "KiB";
        var text = e.Value.Trim();
        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            Error(e, $"\"{text}\" is not a whole number");
            return null;
        }
        if (UnitBytes(unit) is not { } scale)
        {
            Error(e.Attribute("unit")!, $"\"{unit}\" is not a libvirt unit (b, KiB, MiB, GiB, TiB, KB, MB, GB, TB...)");
            return null;
        }
        var bytes = (decimal)value * scale;
        var mib = decimal.Floor(bytes / (1024 * 1024));
        if (mib > long.MaxValue / 2)
        {
            Error(e, "is larger than any host's memory");
            return null;
        }
        if (mib * 1024 * 1024 != bytes)
            Note(e, NotMapped + $"{text} {unit} is not a whole number of MiB; Vireo sizes memory in MiB and took {mib} MiB");
        return (long)mib;
    }

    /// <summary>libvirt's units: b/bytes, a letter or letter+iB (powers of 1024), letter+B (powers of 1000); any case.</summary>
    private static decimal? UnitBytes(string unit)
    {
        var u = unit.ToLowerInvariant();
        if (u is "b" or "bytes")
            return 1;
        var power = "kmgtpe".IndexOf(u[0], StringComparison.Ordinal) + 1;
        if (power == 0)
            return null;
        decimal Pow(decimal b) { decimal r = 1; for (var i = 0; i < power; i++) r *= b; return r; }
        return u[1..] switch
        {
            "" or "ib" => Pow(1024),
            "b" => Pow(1000),
            _ => null,
        };
    }

    private (int Vcpus, int? MaxVcpus) ConvertVcpus(XElement domain)
    {
        if (Child(domain, "vcpus") is { } individual)
            Note(individual, NotMapped + "per-vCPU settings; Vireo hot-plugs vCPUs in order");
        if (Child(domain, "vcpu") is not { } vcpu)
            return (1, null);
        Use(vcpu);
        if (Attr(vcpu, "placement") is { } placement && placement != "static")
            Note(vcpu.Attribute("placement")!, NotMapped + $"placement {placement} (numad); Vireo leaves vCPU placement to the host scheduler");
        if (vcpu.Attribute("cpuset") is { } cpuset)
        {
            Note(cpuset, NotMapped + "vCPU pinning; Vireo leaves vCPU placement to the host scheduler");
        }
        var max = Int(vcpu, vcpu.Value) ?? 1;
        var current = vcpu.Attribute("current") is { } c ? Int(c, Attr(vcpu, "current")!) ?? max : max;
        return current < max ? (current, max) : (max, null);
    }

    private string ConvertCpu(XElement domain)
    {
        if (Child(domain, "cpu") is not { } cpu)
            return "auto";
        Use(cpu);
        var mode = Attr(cpu, "mode") ?? "custom";
        var result = "auto";
        switch (mode)
        {
            case "host-passthrough":
                result = "host";
                break;
            case "maximum":
                result = "max";
                break;
            case "host-model":
                result = "host";
                Note(cpu.Attribute("mode")!, NotMapped + "host-model (the host's CPU as a named model, for migration); mapped to cpu: host, which passes the host CPU through");
                break;
            case "custom":
                if (Child(cpu, "model") is { } model)
                {
                    var text = Text(model)!;
                    if (CpuModelName().IsMatch(text))
                        result = text;
                    else
                        Note(model, NotMapped + $"\"{text}\" is not a QEMU CPU model name Vireo accepts; cpu is auto");
                    if (Attr(model, "fallback") is { } fallback && fallback != "allow")
                        Note(model.Attribute("fallback")!, NotMapped + "Vireo does not check the model against the host before starting");
                }
                break;
            default:
                Note(cpu.Attribute("mode")!, NotMapped + $"CPU mode {mode} is unknown to Vireo; cpu is auto");
                break;
        }
        foreach (var feature in cpu.Elements("feature"))
            Note(feature, NotMapped + "CPU features cannot be added or removed in a Vireo spec (a QEMU model name only)");
        if (Child(cpu, "topology") is { } topology)
            Note(topology, NotMapped + "Vireo chooses the CPU topology itself from vcpus");
        if (cpu.Attribute("check") is { } check)
            Note(check, NotMapped + "Vireo does not compare the CPU with the host's before starting");
        if (cpu.Attribute("migratable") is { } migratable)
            Note(migratable, NotMapped + "Vireo does not migrate VMs between hosts");
        return result;
    }

    // ---- os: machine, firmware, boot ----

    private (string Machine, BootSpec Boot) ConvertOs(XElement domain)
    {
        var machine = "q35";
        var boot = new BootSpec();
        if (Child(domain, "os") is not { } os)
            return (machine, boot);
        Use(os);
        if (Child(os, "type") is { } type)
        {
            Use(type);
            if (type.Value.Trim() != "hvm")
                Error(type, $"\"{type.Value.Trim()}\" is not hvm; Vireo runs full virtual machines only");
            if (Attr(type, "arch") is { } arch && arch != "x86_64")
                Error(type.Attribute("arch")!, $"\"{arch}\" is not x86_64, the only architecture Vireo runs");
            if (Attr(type, "machine") is { } m)
                machine = Machine(type.Attribute("machine")!, m);
        }
        // Firmware: <os firmware='efi'> (libvirt's autoselection) or a pflash <loader> (the older, explicit form)
        // means OVMF; Secure Boot from the firmware features or loader@secure. Which OVMF files is Vireo's choice
        // (from QEMU's firmware descriptors), so the loader path is not kept.
        var uefi = false;
        bool? secureBoot = null;
        if (os.Attribute("firmware") is { } firmware)
        {
            if (firmware.Value == "efi") { uefi = true; _used.Add(firmware); }
            else if (firmware.Value == "bios") _used.Add(firmware);
            else Note(firmware, NotMapped + $"firmware {firmware.Value}: Vireo boots with bios or uefi (OVMF); the VM gets bios");
        }
        if (Child(os, "firmware") is { } features)
        {
            Use(features);
            foreach (var feature in features.Elements("feature"))
            {
                var on = Attr(feature, "enabled") == "yes";
                switch (Attr(feature, "name"))
                {
                    case "secure-boot": secureBoot = on; UseTree(feature); break;
                    case "enrolled-keys" when on:
                        Note(feature, Handled + "Secure Boot uses OVMF's variable store with the Microsoft keys enrolled where the host has it");
                        break;
                    case "enrolled-keys": UseTree(feature); break;
                    default: Note(feature, NotMapped + $"firmware feature {Attr(feature, "name")}; Vireo has no setting for it"); break;
                }
            }
        }
        if (Child(os, "loader") is { } loader)
        {
            var pflash = Attr(loader, "type") is null or "pflash";
            if (pflash && (uefi || loader.Value.Contains("OVMF", StringComparison.OrdinalIgnoreCase) || loader.Value.Contains("edk2", StringComparison.OrdinalIgnoreCase)))
            {
                uefi = true;
                if (Attr(loader, "secure") == "yes") secureBoot ??= true;
                Note(loader, Handled + $"firmware {loader.Value.Trim()}: firmware uefi uses the OVMF build QEMU's firmware descriptors name on this host");
            }
            else
            {
                Note(loader, NotMapped + $"firmware {loader.Value.Trim()}: Vireo runs SeaBIOS or OVMF only; the VM gets bios");
            }
        }
        if (Child(os, "nvram") is { } nvram)
            Note(nvram, NotMapped + $"UEFI variable store {nvram.Value.Trim()}: the VM gets a fresh one from OVMF's template at its first start; " +
                "copy this file to keep variables (boot entries): over the VM's uefi-vars.fd, while it is stopped");

        string? Path(string name) => Child(os, name) is { } e ? Text(e) : null;
        var order = new List<string>();
        foreach (var dev in os.Elements("boot"))
        {
            Use(dev);
            switch (Attr(dev, "dev"))
            {
                case "hd": order.Add("disk"); break;
                case "cdrom": order.Add("cdrom"); break;
                case "network": order.Add("network"); break;
                case var other:
                    Note(dev, NotMapped + $"boot device {other}; Vireo boots from disk, cdrom or network");
                    break;
            }
        }
        boot = new BootSpec
        {
            Kernel = Path("kernel"), Initrd = Path("initrd"), Cmdline = Path("cmdline"), Order = order.Distinct().ToList(),
            Firmware = uefi ? "uefi" : "bios", SecureBoot = uefi && secureBoot == true,
        };
        return (machine, boot);
    }

    private string Machine(XAttribute at, string machine)
    {
        if (machine is "q35" or "pc" || VersionedMachine().IsMatch(machine))
            return machine;
        var mapped = machine.Contains("q35", StringComparison.Ordinal) ? "q35" : machine.StartsWith("pc", StringComparison.Ordinal) ? "pc" : "q35";
        Note(at, NotMapped + $"machine type {machine} is not one Vireo knows (q35, pc, pc-q35-X.Y, pc-i440fx-X.Y); the VM gets {mapped}");
        return mapped;
    }

    /// <summary>The order of &lt;os&gt;&lt;boot dev&gt;, else of the devices' &lt;boot order&gt;, kept to the kinds the spec has.</summary>
    private List<string> BootOrder(XElement domain, IReadOnlyList<string> osOrder, List<DiskSpec> disks, List<NicSpec> nics)
    {
        var order = osOrder.ToList();
        if (order.Count == 0 && _deviceBoots.Count > 0)
        {
            order = _deviceBoots.OrderBy(b => b.Order).Select(b => b.Kind).Distinct().ToList();
            foreach (var group in _deviceBoots.GroupBy(b => b.Kind).Where(g => g.Count() > 1))
                foreach (var b in group.Skip(1))
                    Note(b.Boot, NotMapped + $"Vireo orders boot devices by kind: the first {group.Key} in the spec boots before the others");
        }
        else
        {
            foreach (var b in _deviceBoots)
                Note(b.Boot, NotMapped + "per-device boot order alongside <os><boot>, which libvirt refuses; the <os> order is used");
        }
        bool Has(string kind) => kind switch
        {
            "disk" => disks.Any(d => d.Device == "disk"),
            "cdrom" => disks.Any(d => d.Device == "cdrom"),
            _ => nics.Count > 0,
        };
        var missing = order.Where(k => !Has(k)).ToList();
        if (missing.Count > 0 && Child(domain, "os") is { } os)
            foreach (var dev in os.Elements("boot").Where(b => missing.Contains(Attr(b, "dev") switch { "hd" => "disk", var d => d ?? "" })))
                Note(dev, NotMapped + "the imported spec has no such device to boot from");
        return order.Where(Has).ToList();
    }

    // ---- features, lifecycle, clock, power ----

    private void ConvertFeatures(XElement domain)
    {
        if (Child(domain, "features") is not { } features)
            return;
        Use(features);
        foreach (var f in features.Elements())
        {
            switch (f.Name.LocalName)
            {
                case "acpi" or "apic" or "pae" when !f.HasAttributes && !f.HasElements:
                    Note(f, Handled + "every Vireo VM has it (QEMU's PC machines)");
                    break;
                case "smm" when Attr(f, "state") is null or "on":
                    Note(f, Handled + "SMM is on for Secure Boot (which needs it) and QEMU's default otherwise");
                    break;
                default:
                    Note(f, NotMapped + "Vireo has no setting for this feature; QEMU's default applies");
                    break;
            }
        }
    }

    private void ConvertLifecycle(XElement domain, out OnCrash onCrash)
    {
        onCrash = OnCrash.Destroy;
        if (Child(domain, "on_poweroff") is { } poweroff)
        {
            Use(poweroff);
            if (poweroff.Value.Trim() != "destroy")
                Note(poweroff, NotMapped + $"\"{poweroff.Value.Trim()}\": a guest power-off always stops a Vireo VM");
        }
        if (Child(domain, "on_reboot") is { } reboot)
        {
            Use(reboot);
            if (reboot.Value.Trim() != "restart")
                Note(reboot, NotMapped + $"\"{reboot.Value.Trim()}\": a guest reboot always restarts a Vireo VM");
        }
        if (Child(domain, "on_crash") is { } crash)
        {
            Use(crash);
            switch (crash.Value.Trim())
            {
                case "destroy": onCrash = OnCrash.Destroy; break;
                case "restart" or "rename-restart": onCrash = OnCrash.Restart; break;
                case "preserve": onCrash = OnCrash.Preserve; break;
                case "coredump-destroy":
                    Note(crash, NotMapped + "Vireo does not dump a crashed guest's memory; on_crash is destroy");
                    break;
                case "coredump-restart":
                    onCrash = OnCrash.Restart;
                    Note(crash, NotMapped + "Vireo does not dump a crashed guest's memory; on_crash is restart");
                    break;
                case var other:
                    Note(crash, NotMapped + $"\"{other}\" is not a crash action Vireo knows; on_crash is destroy");
                    break;
            }
        }
    }

    private void ConvertClockAndPower(XElement domain)
    {
        if (Child(domain, "clock") is { } clock)
        {
            Use(clock);
            var offset = Attr(clock, "offset") ?? "utc";
            if (offset != "utc")
                Note(clock.Attribute("offset")!, NotMapped + $"clock offset {offset}; a Vireo guest's hardware clock runs in UTC");
            foreach (var timer in clock.Elements("timer"))
                Note(timer, NotMapped + "Vireo has no timer settings; QEMU's defaults apply");
        }
        if (Child(domain, "pm") is { } pm)
            Note(pm, NotMapped + "Vireo has no suspend-to-RAM/disk settings; QEMU's defaults apply");
    }

    private static string MetadataReason(XElement metadata)
    {
        var os = metadata.Descendants().FirstOrDefault(e => e.Name.LocalName == "os" && e.Attribute("id") is not null);
        return os is not null
            ? $"the OS id {os.Attribute("id")!.Value} (libosinfo) and other application data; Vireo keeps no OS id"
            : "application data other tools stored in the domain";
    }

    // ---- devices ----

    private void ConvertDevice(XElement device, List<DiskSpec> disks, List<NicSpec> nics, ref bool serial, ref GraphicsSpec graphics)
    {
        switch (device.Name.LocalName)
        {
            case "emulator":
                Note(device, Handled + "Vireo runs the host's qemu-system-x86_64");
                break;
            case "disk":
                if (ConvertDisk(device) is { } disk)
                    disks.Add(disk);
                break;
            case "interface":
                if (ConvertNic(device) is { } nic)
                    nics.Add(nic);
                break;
            case "controller":
                Note(device, Handled + "Vireo adds the controllers its devices need");
                break;
            case "serial":
                if (serial)
                {
                    Note(device, NotMapped + "a Vireo VM has one serial port (ttyS0)");
                    break;
                }
                serial = true;
                UseTree(device);
                if (Attr(device, "type") is { } serialType && serialType != "pty")
                    Note(device.Attribute("type")!, NotMapped + $"a {serialType} serial port; Vireo logs ttyS0 to a file and attaches to it itself");
                break;
            case "console":
                if (device.Element("target")?.Attribute("type")?.Value is null or "serial")
                {
                    // libvirt's <console> of a PC guest is the first <serial> port again.
                    serial = true;
                    UseTree(device);
                    if (Attr(device, "type") is { } consoleType && consoleType != "pty")
                        Note(device.Attribute("type")!, NotMapped + $"a {consoleType} console; Vireo logs ttyS0 to a file and attaches to it itself");
                }
                else
                {
                    Note(device, NotMapped + "a virtio console (hvc0); Vireo's console is the serial port ttyS0");
                }
                break;
            case "channel":
                Note(device, NotMapped + ChannelReason(device));
                break;
            case "input":
                var bus = Attr(device, "bus") ?? "ps2";
                Note(device, Attr(device, "type") is "mouse" or "keyboard" && bus == "ps2"
                    ? Handled + "the PS/2 mouse and keyboard of the PC are always there"
                    : NotMapped + $"Vireo adds no {bus} {Attr(device, "type")}; the VNC display drives the PS/2 mouse and keyboard");
                break;
            case "graphics":
                ConvertGraphics(device, ref graphics);
                break;
            case "video":
                Note(device, Handled + "a VM with VNC gets Vireo's standard VGA adapter (the model is not kept)");
                break;
            case "sound" or "audio":
                Note(device, NotMapped + "Vireo VMs have no sound");
                break;
            case "redirdev":
                Note(device, NotMapped + "USB redirection needs SPICE, which Vireo does not have");
                break;
            case "memballoon":
                Note(device, Attr(device, "model") == "none"
                    ? NotMapped + "every Vireo VM has a virtio balloon (it moves memory up to max_memory)"
                    : Handled + "every Vireo VM has a virtio balloon");
                break;
            case "rng":
                Note(device, Handled + "every Vireo VM has a virtio RNG");
                break;
            case "panic":
                Note(device, Handled + "every Vireo VM has a pvpanic device, which on_crash acts on");
                break;
            case "watchdog":
                Note(device, NotMapped + "Vireo adds no watchdog device");
                break;
            case "hostdev":
                Note(device, NotMapped + "Vireo has no PCI or USB passthrough");
                break;
            case "filesystem":
                Note(device, NotMapped + "Vireo has no host directory sharing (virtiofs, 9p)");
                break;
            default:
                Note(device, NotMapped + $"Vireo has no <{device.Name.LocalName}> device");
                break;
        }
    }

    private static string ChannelReason(XElement channel)
    {
        var target = channel.Element("target")?.Attribute("name")?.Value;
        return (channel.Attribute("type")?.Value, target) switch
        {
            (_, "org.qemu.guest_agent.0") => "Vireo has no QEMU guest agent channel yet",
            ("spicevmc", _) => "a SPICE channel (clipboard, resolution), and Vireo has no SPICE",
            _ => "Vireo has no guest channels",
        };
    }

    private DiskSpec? ConvertDisk(XElement disk)
    {
        Use(disk);
        var type = Attr(disk, "type") ?? "file";
        var device = Attr(disk, "device") ?? "disk";
        if (type != "file")
        {
            var source = disk.Element("source");
            var what = type switch
            {
                "block" => $"the block device {source?.Attribute("dev")?.Value}; Vireo disks are image files (raw or qcow2)",
                "network" => $"a {source?.Attribute("protocol")?.Value ?? "network"} disk {source?.Attribute("name")?.Value}; Vireo disks are local image files",
                "volume" => $"the libvirt volume {source?.Attribute("pool")?.Value}/{source?.Attribute("volume")?.Value}; give its file, or import it into a Vireo pool",
                _ => $"a disk of type {type}; Vireo disks are image files (raw or qcow2)",
            };
            Note(disk, NotMapped + what);
            return null;
        }
        if (device is not ("disk" or "cdrom"))
        {
            Note(disk, NotMapped + $"a {device} drive; Vireo has disks and CD-ROM drives");
            return null;
        }
        var cdrom = device == "cdrom";
        string? format = null, cache = null, aio = null, discard = null;
        if (Child(disk, "driver") is { } driver)
        {
            Use(driver);
            if (Attr(driver, "name") is { } driverName && driverName != "qemu")
                Note(driver.Attribute("name")!, NotMapped + $"driver {driverName}; Vireo runs QEMU");
            if (Attr(driver, "type") is { } f)
            {
                if (f is "raw" or "qcow2")
                    format = f;
                else
                    Error(driver.Attribute("type")!, $"\"{f}\" is not a format Vireo opens (raw or qcow2); convert the image to qcow2 first");
            }
            cache = Choice(driver, "cache", ["none", "writeback", "writethrough", "directsync", "unsafe"], "default");
            aio = Choice(driver, "io", ["io_uring", "native", "threads"], "default");
            discard = Choice(driver, "discard", ["unmap", "ignore"], null);
        }
        string? path = null;
        if (Child(disk, "source") is { } src)
        {
            Use(src);
            path = Attr(src, "file");
        }
        if (path is null && !cdrom)
            Error(disk, "has no <source file>; a disk needs an image (only a CD-ROM drive may be empty)");
        if (format is null && path is not null && !cdrom && disk.Element("driver")?.Attribute("type") is null)
            _errors.Add(new FieldError
            {
                Field = Location(disk) + "/driver@type",
                Value = path,
                Message = "has no format (<driver type>); Vireo never probes image formats, so it must be given",
                Hint = $"Add <driver name='qemu' type='qcow2'/> or type='raw' to the disk (qemu-img info {path} tells which) and import again",
            });

        string? bus = null;
        if (Child(disk, "target") is { } target)
        {
            Use(target);
            Attr(target, "dev"); // the guest's name for it follows from bus and order
            if (Attr(target, "bus") is { } b)
            {
                switch (b)
                {
                    case "virtio" when !cdrom:
                    case "sata" or "scsi":
                        bus = b;
                        break;
                    case "ide":
                        bus = "sata";
                        Note(target.Attribute("bus")!, NotMapped + "Vireo has no IDE bus; the drive is on SATA (AHCI) instead, which Linux and Windows since Vista drive; an older guest needs an AHCI driver first");
                        break;
                    default:
                        Note(target.Attribute("bus")!, NotMapped + $"Vireo has no {b} drives; the drive is on the default bus ({(cdrom ? "sata" : "virtio")})");
                        break;
                }
            }
            if (Attr(target, "tray") is { } tray && tray != "closed")
                Note(target.Attribute("tray")!, NotMapped + "the tray state; Vireo's drive starts closed");
        }
        var readOnly = false;
        if (Child(disk, "readonly") is { } ro)
        {
            Use(ro);
            readOnly = !cdrom;
        }
        if (Child(disk, "shareable") is { } shareable)
            Note(shareable, NotMapped + "Vireo refuses a writable image in two VMs");
        var serial = Child(disk, "serial") is { } serialElement ? Text(serialElement) : null;
        if (Child(disk, "backingStore") is { } backing)
        {
            if (backing.HasElements || backing.HasAttributes)
                Note(backing, Handled + "the backing chain is recorded in the qcow2 image, and QEMU follows it");
            else
                Use(backing);
        }
        DeviceCommon(disk, cdrom ? "cdrom" : "disk");
        return new DiskSpec
        {
            Path = path,
            Format = format,
            Device = cdrom ? "cdrom" : "disk",
            Bus = bus,
            Readonly = readOnly,
            Serial = serial,
            Cache = cache,
            Aio = aio,
            Discard = discard,
        };
    }

    private NicSpec? ConvertNic(XElement nic)
    {
        Use(nic);
        var type = Attr(nic, "type");
        string? network = null, bridge = null;
        var source = Child(nic, "source");
        if (source is not null)
            Use(source);
        switch (type)
        {
            case "network":
                network = source is null ? null : Attr(source, "network");
                if (network is null)
                    Error(nic, "is on a network but names none (<source network>)");
                else if (source!.Attribute("bridge") is { } runningBridge)
                    Note(runningBridge, Handled + "the bridge of a running libvirt network; Vireo's network has its own");
                break;
            case "bridge":
                bridge = source is null ? null : Attr(source, "bridge");
                if (bridge is null)
                    Error(nic, "is on a bridge but names none (<source bridge>)");
                break;
            case "user":
                break;
            default:
                Note(nic, NotMapped + $"an interface of type {type}; Vireo NICs are on a Vireo network, a host bridge, or user-mode networking");
                return null;
        }
        var mac = Child(nic, "mac") is { } macElement ? Use(macElement, Attr(macElement, "address")) : null;
        var model = "virtio";
        if (Child(nic, "model") is { } modelElement)
        {
            Use(modelElement);
            switch (Attr(modelElement, "type"))
            {
                case "virtio" or "e1000e" or "rtl8139":
                    model = Attr(modelElement, "type")!;
                    break;
                case "e1000":
                    model = "e1000e";
                    Note(modelElement.Attribute("type")!, NotMapped + "Vireo has e1000e, not e1000; the guest sees an e1000e (its Intel driver handles both)");
                    break;
                case var other:
                    Note(modelElement.Attribute("type")!, NotMapped + $"Vireo has no {other} NIC; the guest sees virtio");
                    break;
            }
        }
        else
        {
            Note(nic, NotMapped + "no <model>: libvirt lets QEMU pick the NIC model; the guest sees virtio");
        }
        var link = true;
        if (Child(nic, "link") is { } linkElement)
        {
            Use(linkElement);
            link = Attr(linkElement, "state") != "down";
        }
        if (Child(nic, "target") is { } target)
            Note(target, Handled + "Vireo names the host side of the NIC itself");
        DeviceCommon(nic, "network");
        return new NicSpec { Type = type!, Network = network, Bridge = bridge, Mac = mac, Model = model, Link = link };
    }

    private void ConvertGraphics(XElement g, ref GraphicsSpec graphics)
    {
        var type = Attr(g, "type");
        if (type != "vnc")
        {
            Note(g, NotMapped + (type == "spice" ? "Vireo has no SPICE; its graphical console is VNC" : $"Vireo has no {type} display; its graphical console is VNC"));
            return;
        }
        if (graphics.Type == "vnc")
        {
            Note(g, NotMapped + "a Vireo VM has one VNC display");
            return;
        }
        Use(g);
        int? port = null;
        var autoport = Attr(g, "autoport");
        if (Attr(g, "port") is { } portText && autoport != "yes" && int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= 5900)
            port = p;
        graphics = new GraphicsSpec { Type = "vnc", Port = port };
        var listen = Attr(g, "listen");
        foreach (var l in g.Elements("listen"))
        {
            Use(l);
            listen ??= Attr(l, "address");
            if (Attr(l, "type") is { } lt && lt != "address")
                Note(l.Attribute("type")!, NotMapped + $"a {lt} listener; Vireo's VNC listens on 127.0.0.1");
        }
        if (listen is not null and not ("127.0.0.1" or "localhost" or "::1"))
            Note(g.Attribute("listen") ?? (XObject)g.Element("listen")!, NotMapped + $"VNC on {listen}; Vireo's VNC listens on 127.0.0.1 only (reach it through an SSH tunnel)");
        if (g.Attribute("passwd") is { } passwd)
            Note(passwd, NotMapped + "Vireo's VNC has no password; it listens on 127.0.0.1 only");
    }

    /// <summary>With no VNC display but a SPICE one, the VM keeps a graphical console: VNC.</summary>
    private static void FinishGraphics(XElement devices, ref GraphicsSpec graphics)
    {
        if (graphics.Type == "none" && devices.Elements("graphics").Any())
            graphics = new GraphicsSpec();
    }

    private void DeviceCommon(XElement device, string bootKind)
    {
        if (Child(device, "boot") is { } boot)
        {
            Use(boot);
            var order = Attr(boot, "order") is { } text ? Int(boot.Attribute("order")!, text) ?? 1 : 1;
            _deviceBoots.Add((order, bootKind, boot));
        }
        if (Child(device, "address") is { } address)
            Note(address, Handled + "Vireo places devices itself");
        if (Child(device, "alias") is { } alias)
            UseTree(alias); // a running domain's device name: Vireo names devices itself
    }

    // ---- the rest, and what was not used ----

    private void ListTheRest(XElement domain)
    {
        foreach (var e in domain.DescendantsAndSelf())
        {
            if (!_used.Contains(e))
            {
                Note(e, NotMapped + $"Vireo has no equivalent of <{e.Name.LocalName}>");
                continue;
            }
            foreach (var a in e.Attributes().Where(a => !a.IsNamespaceDeclaration && !_used.Contains(a)))
                Note(a, NotMapped + $"Vireo has no equivalent of {e.Name.LocalName}@{a.Name.LocalName}");
        }
    }

    private List<UnmappedSetting> Unmapped(XElement domain)
    {
        var order = new Dictionary<XObject, int>(ReferenceEqualityComparer.Instance);
        var i = 0;
        foreach (var e in domain.DescendantsAndSelf())
        {
            order[e] = i++;
            foreach (var a in e.Attributes())
                order[a] = i++;
        }
        return _notes.OrderBy(n => order[n.At])
            .Select(n => new UnmappedSetting { Element = Location(n.At), Reason = n.Reason })
            .ToList();
    }

    /// <summary>domain/devices/disk[2]/driver@type: 1-based indices where siblings share the name.</summary>
    internal static string Location(XObject at)
    {
        if (at is XAttribute a)
            return Location(a.Parent!) + "@" + a.Name.LocalName;
        var e = (XElement)at;
        var step = e.Name.LocalName;
        if (e.Parent is { } parent)
        {
            var same = parent.Elements(e.Name).ToList();
            if (same.Count > 1)
                step += "[" + (same.IndexOf(e) + 1).ToString(CultureInfo.InvariantCulture) + "]";
            return Location(parent) + "/" + step;
        }
        return step;
    }

    // ---- helpers ----

    private void Note(XObject at, string reason)
    {
        _notes.Add((at, reason));
        if (at is XElement e)
            UseTree(e);
        else
            _used.Add(at);
    }

    private XElement Use(XElement e)
    {
        _used.Add(e);
        return e;
    }

    private bool UseTree(XElement e)
    {
        foreach (var d in e.DescendantsAndSelf())
        {
            _used.Add(d);
            foreach (var a in d.Attributes())
                _used.Add(a);
        }
        return true;
    }

    private T Use<T>(XElement e, T value)
    {
        Use(e);
        return value;
    }

    private XElement? Child(XElement parent, string name) => parent.Element(name);

    private string? Text(XElement e)
    {
        Use(e);
        return e.Value.Trim();
    }

    /// <summary>An attribute's value, marked as used.</summary>
    private string? Attr(XElement e, string name)
    {
        var a = e.Attribute(name);
        if (a is null)
            return null;
        _used.Add(a);
        return a.Value;
    }

    private string? Choice(XElement e, string name, string[] allowed, string? neutral)
    {
        if (Attr(e, name) is not { } value || value == neutral)
            return null;
        if (allowed.Contains(value))
            return value;
        Note(e.Attribute(name)!, NotMapped + $"\"{value}\" is not one of Vireo's values ({string.Join(", ", allowed)}); Vireo's default applies");
        return null;
    }

    private int? Int(XObject at, string text)
    {
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
            return n;
        Error(at, $"\"{text.Trim()}\" is not a positive whole number");
        return null;
    }

    private string Error(XObject at, string message)
    {
        _errors.Add(new FieldError { Field = Location(at), Message = message + LineOf(at) });
        return "auto";
    }

    private static string LineOf(XObject at) =>
        at is IXmlLineInfo info && info.HasLineInfo() ? $" (line {info.LineNumber}, position {info.LinePosition})" : "";

    private static InvalidInputException Invalid(string field, string? value, string message) =>
        InvalidInputException.For("libvirt domain", [new FieldError { Field = field, Value = value, Message = message }]);

    /// <summary>XmlException messages end with their own " Line 3, position 9."; the caller says it once.</summary>
    private static string TrimPosition(string message) => TrailingPosition().Replace(message, "").TrimEnd('.', ' ');

    [GeneratedRegex(@"\s*Line \d+, position \d+\.?\s*$")]
    private static partial Regex TrailingPosition();

    [GeneratedRegex(@"^pc-(q35|i440fx)-[0-9]+\.[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionedMachine();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CpuModelName();
}
