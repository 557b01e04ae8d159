using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// <c>--disk path=P,format=F[,bus=B][,device=cdrom][,readonly=on][,serial=S][,cache=C][,aio=A][,discard=D]</c> or
/// <c>--disk vol=POOL/NAME[,...]</c>; like virt-install, the path may also come first without <c>path=</c>. Formats
/// are never guessed: a disk with a path needs <c>format=</c> (a volume's format is known to its pool); a CD-ROM
/// image is raw unless told otherwise (an ISO has no other format).
/// </summary>
internal static class DiskOption
{
    public const string Flag = "--disk";
    public const string Accepted =
        "Accepted keys: path=FILE (or the path first), vol=POOL/NAME, size=SIZE (a new volume; GiB when a bare number; size=default: the --os recommendation) with pool=POOL, format=raw|qcow2, bus=virtio|sata|scsi, device=disk|cdrom, " +
        "readonly=on|off, serial=TEXT, cache=none|writeback|writethrough|directsync|unsafe, aio=io_uring|native|threads, discard=unmap|ignore. Or none: no disk at all.";

    /// <summary>Marks <c>size=default</c> while parsing.</summary>
    private static readonly string DefaultSize = new("default".AsSpan());

    private static readonly string[] Formats = ["raw", "qcow2"];
    private static readonly string[] Buses = ["virtio", "sata", "scsi"];
    private static readonly string[] Devices = ["disk", "cdrom"];
    private static readonly string[] CacheModes = ["none", "writeback", "writethrough", "directsync", "unsafe"];
    private static readonly string[] AioModes = ["io_uring", "native", "threads"];
    private static readonly string[] DiscardModes = ["unmap", "ignore"];

    /// <summary>A volume <c>vireo create</c> makes before it defines the VM (<c>--disk size=10G</c>, like virt-install).</summary>
    /// <summary>Size null: <c>size=default</c>, the OS's recommended disk size (<c>--os</c>).</summary>
    public sealed record NewVolume(string? Pool, string? Size, string Format);

    public static DiskSpec Parse(string text, string cwd) => ParseFull(text, cwd).Spec;

    public static (DiskSpec Spec, NewVolume? Create) ParseFull(string text, string cwd)
    {
        string? path = null, volume = null, format = null, bus = null, serial = null, cache = null, aio = null, discard = null, size = null, pool = null;
        string device = "disk";
        bool readOnly = false;
        var items = KeyValueList.Parse(Flag, text, Accepted);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            switch (item.Key)
            {
                case null when i == 0:
                    path = Paths.Absolute(item.Value, cwd);
                    break;
                case null:
                    throw KeyValueList.Error(Flag, text, $"unknown item \"{item.Value}\" (only the path may be given without a key, and only first)", Accepted);
                case "path":
                    path = Paths.Absolute(item.Value, cwd);
                    break;
                case "format":
                    format = OneOf(text, "format", item.Value, Formats);
                    break;
                case "bus":
                    bus = OneOf(text, "bus", item.Value, Buses);
                    break;
                case "device":
                    device = OneOf(text, "device", item.Value, Devices);
                    break;
                case "readonly" or "ro":
                    readOnly = KeyValueList.ParseBool(item.Value)
                        ?? throw KeyValueList.Error(Flag, text, $"readonly=\"{item.Value}\" is not on/off", Accepted);
                    break;
                case "serial":
                    serial = item.Value;
                    break;
                case "vol" or "volume":
                    volume = item.Value;
                    break;
                case "size":
                    // virt-install's size= is a number of GiB; units (512M, 20G) work too, with the grammar of specs.
                    if (item.Value.Equals("default", StringComparison.OrdinalIgnoreCase))
                    {
                        size = DefaultSize;
                        break;
                    }
                    size = item.Value.Length > 0 && item.Value.All(char.IsAsciiDigit) ? item.Value + "G" : item.Value;
                    var sizeOk = SizeParser.TryParse(size, out long sizeBytes, out string sizeProblem);
                    if (!sizeOk && sizeProblem.Contains("zero", StringComparison.Ordinal))
                        throw KeyValueList.Error(Flag, text, "size must be above 0: give e.g. size=20G", Accepted);
                    if (!sizeOk)
                        throw KeyValueList.Error(Flag, text, $"size=\"{item.Value}\" {sizeProblem}", Accepted);
                    if (sizeBytes <= 0)
                        throw KeyValueList.Error(Flag, text, "size must be above 0: give e.g. size=20G", Accepted);
                    break;
                case "pool":
                    pool = item.Value;
                    break;
                case "cache":
                    cache = OneOf(text, "cache", item.Value, CacheModes);
                    break;
                case "aio":
                    aio = OneOf(text, "aio", item.Value, AioModes);
                    break;
                case "discard":
                    discard = OneOf(text, "discard", item.Value, DiscardModes);
                    break;
                default:
                    throw KeyValueList.Error(Flag, text, $"unknown key \"{item.Key}\"", Accepted);
            }
        }
        if (device == "disk")
        {
            if (new[] { path, volume, size }.Count(v => v is not null) > 1)
                throw KeyValueList.Error(Flag, text, "give one of path=, vol= or size= (a new volume)", Accepted);
            if (pool is not null && size is null)
                throw KeyValueList.Error(Flag, text, "pool= only goes with size= (where the new volume is made)", Accepted);
            if (size is not null)
            {
                format ??= "qcow2";
                var spec = new DiskSpec { Bus = bus, Readonly = readOnly, Serial = serial, Cache = cache, Aio = aio, Discard = discard };
                return (spec, new NewVolume(pool, ReferenceEquals(size, DefaultSize) ? null : size, format));
            }
            if (path is null && volume is null)
                throw KeyValueList.Error(Flag, text, "a disk needs vol=POOL/NAME or path=FILE (only a CD-ROM drive may be empty)", Accepted);
            if (format is null && volume is null)
                throw KeyValueList.Error(Flag, text, "format= is missing: Vireo never guesses an image's format (qemu-img info FILE tells it)", Accepted);
        }
        else if (path is not null)
        {
            format ??= "raw";
        }
        return (new DiskSpec
        {
            Path = path,
            Volume = volume,
            Format = format,
            Device = device,
            Bus = bus,
            Readonly = readOnly || device == "cdrom",
            Serial = serial,
            Cache = cache,
            Aio = aio,
            Discard = discard,
        }, null);
    }

    private static string OneOf(string text, string key, string value, string[] allowed)
    {
        string lower = value.ToLowerInvariant();
        if (Array.IndexOf(allowed, lower) < 0)
            throw KeyValueList.Error(Flag, text, $"{key}=\"{value}\" is not one of {string.Join(", ", allowed)}", Accepted);
        return lower;
    }
}
