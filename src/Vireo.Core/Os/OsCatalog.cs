using System.Diagnostics;
using System.Globalization;
using System.Xml;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vireo.Core.Errors;
using Vireo.Core.Specs;

namespace Vireo.Core.Os;

/// <summary>
/// The operating systems of the osinfo database (osinfo-db, what virt-install and virt-manager use), read from its
/// XML files the way libosinfo finds them: the system database (<c>$OSINFO_SYSTEM_DIR</c>, /usr/share/osinfo),
/// Vireo's overlay of newer releases (<c>$VIREO_OSINFO_DIR</c>, /usr/share/vireo/osinfo, else the copy next to the
/// program), the local database (<c>$OSINFO_LOCAL_DIR</c>, /etc/osinfo, where <c>osinfo-db-import --local</c>
/// puts files) and the user's (<c>$OSINFO_USER_DIR</c>, ~/.config/osinfo). A file in a later directory replaces the
/// file with the same path under <c>os/</c> in an earlier one; files that describe the same OS id are merged.
/// The files are read once, on first use, and kept. A file that cannot be read, is not well-formed XML or has a
/// DTD is skipped with a warning (see <see cref="Problems"/>).
/// </summary>
public sealed class OsCatalog
{
    /// <summary>The architecture resources and firmware are resolved for.</summary>
    public const string Arch = "x86_64";

    /// <summary>Where install.sh puts Vireo's overlay.</summary>
    public const string InstalledOverlay = "/usr/share/vireo/osinfo";

    private const int MaxFileChars = 16 * 1024 * 1024;
    private const int MaxInheritDepth = 64;

    private readonly ILogger _log;
    private readonly Lazy<Database> _db;

    public OsCatalog(IReadOnlyList<string> roots, ILogger? log = null)
    {
        Roots = roots;
        _log = log ?? NullLogger.Instance;
        _db = new Lazy<Database>(ReadDatabase);
    }

    private static readonly Lazy<OsCatalog> SharedCatalog = new(() => new OsCatalog(DefaultSearchPath()));

    /// <summary>The catalog of <see cref="DefaultSearchPath"/>, without a logger (problems are in <see cref="Problems"/>).</summary>
    public static OsCatalog Shared => SharedCatalog.Value;

    /// <summary>The database directories, lowest priority first (each holds an <c>os/</c> directory).</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>Every OS, sorted by family, distro and release date.</summary>
    public IReadOnlyList<OsEntry> All => _db.Value.All;

    /// <summary>Files skipped, each with why.</summary>
    public IReadOnlyList<string> Problems => _db.Value.Problems;

    /// <summary>How long reading the database took.</summary>
    public TimeSpan LoadTime => _db.Value.LoadTime;

    /// <summary>Reads the database now, when it has not been read yet.</summary>
    public void Load() => _ = _db.Value;

    /// <summary>The search path libosinfo uses, with Vireo's overlay after the system database.</summary>
    public static IReadOnlyList<string> DefaultSearchPath(Func<string, string?>? environment = null)
    {
        string? Env(string name) => (environment ?? Environment.GetEnvironmentVariable)(name) is { Length: > 0 } v ? v : null;
        var overlay = Env("VIREO_OSINFO_DIR")
            ?? (Directory.Exists(InstalledOverlay) ? InstalledOverlay : Path.Combine(AppContext.BaseDirectory, "osinfo"));
        var config = Env("XDG_CONFIG_HOME") ?? (Env("HOME") is { } home ? Path.Combine(home, ".config") : null);
        var roots = new List<string>
        {
            Env("OSINFO_SYSTEM_DIR") ?? Env("OSINFO_DATA_DIR") ?? "/usr/share/osinfo",
            overlay,
            Env("OSINFO_LOCAL_DIR") ?? "/etc/osinfo",
        };
        var user = Env("OSINFO_USER_DIR") ?? (config is null ? null : Path.Combine(config, "osinfo"));
        if (user is not null)
            roots.Add(user);
        return roots;
    }

    /// <summary>
    /// The OS <paramref name="query"/> names, or null: a short id (<c>debian11</c>, any case), the full id
    /// (<c>http://debian.org/debian/11</c>), virt-install's <c>short-id=</c>, <c>name=</c> and <c>id=</c>
    /// spellings, or the exact name (<c>Debian 11</c>).
    /// </summary>
    public OsEntry? Find(string query)
    {
        var db = _db.Value;
        var q = query.Trim();
        if (q.StartsWith("id=", StringComparison.OrdinalIgnoreCase))
            return db.ById.GetValueOrDefault(q[3..]);
        if (q.StartsWith("short-id=", StringComparison.OrdinalIgnoreCase))
            q = q["short-id=".Length..];
        else if (q.StartsWith("name=", StringComparison.OrdinalIgnoreCase))
            q = q["name=".Length..];
        return db.ById.GetValueOrDefault(q) ?? db.ByShortId.GetValueOrDefault(q) ?? db.ByName.GetValueOrDefault(q);
    }

    /// <summary>
    /// The OS <paramref name="query"/> names (see <see cref="Find"/>) with its resources, devices and firmware
    /// inherited from what it derives from; a <see cref="NotFoundException"/> that suggests the nearest short ids when
    /// there is none.
    /// </summary>
    public ResolvedOs Resolve(string query)
    {
        var entry = Find(query) ?? throw NotFound(query);
        return Resolve(entry);
    }

    /// <summary>The short ids nearest to <paramref name="query"/>, best first (at most 3).</summary>
    public IReadOnlyList<string> Suggest(string query)
    {
        var db = _db.Value;
        var q = query.Trim().ToLowerInvariant();
        var limit = Math.Min(2, Math.Max(1, q.Length / 3));
        var near = db.ShortIds
            .Select(s => (Id: s, Distance: Suggestions.Distance(q, s.ToLowerInvariant())))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance).ThenByDescending(c => db.ByShortId[c.Id].ReleaseDate, StringComparer.Ordinal).ThenBy(c => c.Id, StringComparer.Ordinal)
            .Select(c => c.Id);
        // "debian" or "win": the newest of the ids it starts.
        var prefixed = q.Length < 3 ? Enumerable.Empty<string>() : db.ShortIds
            .Where(s => s.StartsWith(q, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(s => db.ByShortId[s].ReleaseDate, StringComparer.Ordinal).ThenBy(s => s, StringComparer.Ordinal);
        // One id per OS, its main one: "debian13", not also its alias "debiantrixie".
        return prefixed.Concat(near).Select(s => db.ByShortId[s].ShortId).Distinct(StringComparer.OrdinalIgnoreCase).Take(3).ToList();
    }

    private NotFoundException NotFound(string query)
    {
        var near = Suggest(query);
        var hint = near.Count == 0
            ? "List the known OSes: vireo os list"
            : $"Did you mean {string.Join(" or ", near)}? List the known OSes: vireo os list";
        return new NotFoundException("OS", query, hint);
    }

    private ResolvedOs Resolve(OsEntry entry)
    {
        var db = _db.Value;
        // The entry first, then what it derives from (else what it upgrades), up to the root.
        var chain = new List<OsEntry> { entry };
        for (var e = entry; e.ParentId is { } parent && db.ById.TryGetValue(parent, out var p) && chain.Count < MaxInheritDepth && !chain.Contains(p); e = p)
            chain.Add(p);

        // Resources come whole from one OS: the entry when it states any for x86_64 (or all), else the nearest
        // ancestor that does. Taking each value from wherever it is found would mix eras (Windows 11's minimum with
        // Vista's recommended 1 GiB).
        var source = chain.FirstOrDefault(e => ResourceSets(e).Any());
        var sets = source is null ? [] : ResourceSets(source).ToList();
        OsResourceValues Values(Func<OsResourceSet, OsResourceValues?> which) => new(
            sets.Select(which).Select(v => v?.Cpus).FirstOrDefault(v => v is not null),
            sets.Select(which).Select(v => v?.RamBytes).FirstOrDefault(v => v is not null),
            sets.Select(which).Select(v => v?.StorageBytes).FirstOrDefault(v => v is not null));
        var minimum = Values(s => s.Minimum);
        var stated = Values(s => s.Recommended);
        // Never recommend less than the minimum.
        var recommended = new OsResourceValues(Max(stated.Cpus, minimum.Cpus), Max(stated.RamBytes, minimum.RamBytes), Max(stated.StorageBytes, minimum.StorageBytes));
        var maximum = Values(s => s.Maximum);
        var resourcesFrom = source is null || ReferenceEquals(source, entry) ? null : source.ShortId;

        var devices = new HashSet<string>(StringComparer.Ordinal);
        var firmware = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            foreach (var (id, supported) in chain[i].Devices)
            {
                if (supported) devices.Add(id);
                else devices.Remove(id);
            }
            foreach (var f in chain[i].Firmware.Where(f => f.Arch == Arch || f.Arch == "all"))
                firmware[f.Type] = f.Supported;
        }
        return new ResolvedOs
        {
            Entry = entry,
            Arch = Arch,
            Minimum = minimum,
            Recommended = recommended,
            Maximum = maximum,
            ResourcesFrom = resourcesFrom,
            Devices = devices,
            FirmwareSupported = firmware.Where(f => f.Value).Select(f => f.Key).Order(StringComparer.Ordinal).ToList(),
            FirmwareUnsupported = firmware.Where(f => !f.Value).Select(f => f.Key).Order(StringComparer.Ordinal).ToList(),
        };
    }

    private static T? Max<T>(T? value, T? floor) where T : struct, IComparable<T> =>
        value is { } v && floor is { } f ? (v.CompareTo(f) < 0 ? f : v) : value;

    /// <summary>An entry's own resources for <see cref="Arch"/>: the arch's set, then "all"; none where it says inherit.</summary>
    private static IEnumerable<OsResourceSet> ResourceSets(OsEntry e) =>
        e.Resources.Where(r => r.Arch == Arch && !r.Inherit).Concat(e.Resources.Where(r => r.Arch == "all" && !r.Inherit));

    private sealed record Database(
        IReadOnlyList<OsEntry> All,
        Dictionary<string, OsEntry> ById,
        Dictionary<string, OsEntry> ByShortId,
        Dictionary<string, OsEntry> ByName,
        IReadOnlyList<string> ShortIds,
        IReadOnlyList<string> Problems,
        TimeSpan LoadTime);

    private Database ReadDatabase()
    {
        var clock = Stopwatch.StartNew();
        var problems = new List<string>();
        // Path under os/ → file: a later root's file replaces an earlier one's, as in libosinfo.
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var root in Roots)
        {
            var dir = Path.Combine(root, "os");
            if (!Directory.Exists(dir))
                continue;
            try
            {
                foreach (var file in Directory.EnumerateFiles(dir, "*.xml", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4 }))
                    files[Path.GetRelativePath(dir, file)] = file;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{dir}: {e.Message}");
                _log.LogWarning("osinfo: cannot list {Dir}: {Reason}", dir, e.Message);
            }
        }

        var byId = new Dictionary<string, OsEntry>(StringComparer.Ordinal);
        foreach (var file in files.Values)
        {
            List<OsEntry> parsed;
            try
            {
                parsed = ReadFile(file);
            }
            catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException or FormatException)
            {
                problems.Add($"{file}: {e.Message}");
                _log.LogWarning("osinfo: skipping {File}: {Reason}", file, e.Message);
                continue;
            }
            foreach (var part in parsed)
            {
                if (byId.TryGetValue(part.Id, out var existing))
                    Merge(existing, part);
                else
                    byId[part.Id] = part;
            }
        }

        var all = byId.Values
            .OrderBy(e => e.Family, StringComparer.Ordinal).ThenBy(e => e.Distro, StringComparer.Ordinal)
            .ThenBy(e => e.ReleaseDate ?? "9999", StringComparer.Ordinal).ThenBy(e => e.ShortId, StringComparer.Ordinal)
            .ToList();
        var byShortId = new Dictionary<string, OsEntry>(StringComparer.OrdinalIgnoreCase);
        var byName = new Dictionary<string, OsEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in all)
        {
            // A short id two entries claim (ubuntu-lts-latest) names the newer: "all" is oldest first.
            foreach (var s in e.ShortIds)
                byShortId[s] = e;
            if (e.Name is not null)
                byName.TryAdd(e.Name, e);
        }
        clock.Stop();
        _log.LogInformation("osinfo: {Count} OSes from {Files} files in {Ms} ms ({Roots})", all.Count, files.Count,
            clock.ElapsedMilliseconds, string.Join(", ", Roots));
        return new Database(all, byId, byShortId, byName, byShortId.Keys.ToList(), problems, clock.Elapsed);
    }

    private static void Merge(OsEntry into, OsEntry from)
    {
        foreach (var s in from.ShortIds.Where(s => !into.ShortIds.Contains(s, StringComparer.OrdinalIgnoreCase)))
            into.ShortIds.Add(s);
        into.Name = from.Name ?? into.Name;
        into.Vendor = from.Vendor ?? into.Vendor;
        into.Family = from.Family ?? into.Family;
        into.Distro = from.Distro ?? into.Distro;
        into.Version = from.Version ?? into.Version;
        into.Codename = from.Codename ?? into.Codename;
        into.ReleaseDate = from.ReleaseDate ?? into.ReleaseDate;
        into.EolDate = from.EolDate ?? into.EolDate;
        into.DerivesFrom.AddRange(from.DerivesFrom.Except(into.DerivesFrom));
        into.Upgrades.AddRange(from.Upgrades.Except(into.Upgrades));
        foreach (var (id, supported) in from.Devices)
            into.Devices[id] = supported;
        into.Firmware.AddRange(from.Firmware);
        into.Resources.AddRange(from.Resources);
        into.Files.AddRange(from.Files);
    }

    internal static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreWhitespace = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersInDocument = MaxFileChars,
        CloseInput = true,
    };

    /// <summary>The <c>&lt;os&gt;</c> elements of one file; anything else in it (install scripts, media) is skipped.</summary>
    internal static List<OsEntry> ReadFile(string path)
    {
        var result = new List<OsEntry>();
        using var reader = XmlReader.Create(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16384), ReaderSettings);
        reader.MoveToContent();
        if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "libosinfo")
            throw new FormatException($"the root element is <{reader.LocalName}>, not <libosinfo>");
        Children(reader, r =>
        {
            if (r.LocalName == "os" && r.GetAttribute("id") is { Length: > 0 } id)
            {
                var entry = new OsEntry(id);
                entry.Files.Add(path);
                ReadOs(r, entry);
                result.Add(entry);
            }
            else
            {
                r.Skip();
            }
        });
        return result;
    }

    private static void ReadOs(XmlReader reader, OsEntry e) => Children(reader, r =>
    {
        switch (r.LocalName)
        {
            case "short-id":
                var shortId = Text(r);
                if (shortId.Length > 0 && !e.ShortIds.Contains(shortId, StringComparer.OrdinalIgnoreCase))
                    e.ShortIds.Add(shortId);
                break;
            case "name" when r.GetAttribute("xml:lang") is null:
                e.Name = Text(r);
                break;
            case "vendor" when r.GetAttribute("xml:lang") is null:
                e.Vendor = Text(r);
                break;
            case "family": e.Family = Text(r); break;
            case "distro": e.Distro = Text(r); break;
            case "version": e.Version = Text(r); break;
            case "codename": e.Codename = Text(r); break;
            case "release-date": e.ReleaseDate = Text(r); break;
            case "eol-date": e.EolDate = Text(r); break;
            case "derives-from":
                AddId(r, e.DerivesFrom);
                break;
            case "upgrades":
                AddId(r, e.Upgrades);
                break;
            case "firmware":
                if (r.GetAttribute("type") is { Length: > 0 } type)
                    e.Firmware.Add(new OsFirmware(r.GetAttribute("arch") ?? "all", type, r.GetAttribute("supported") != "false"));
                r.Skip();
                break;
            case "devices":
                Children(r, d =>
                {
                    if (d.LocalName == "device" && d.GetAttribute("id") is { Length: > 0 } id)
                        e.Devices[id] = d.GetAttribute("supported") != "false";
                    d.Skip();
                });
                break;
            case "resources":
                e.Resources.Add(ReadResources(r));
                break;
            default:
                r.Skip();
                break;
        }
    });

    private static OsResourceSet ReadResources(XmlReader r)
    {
        var arch = r.GetAttribute("arch") ?? "all";
        var inherit = r.GetAttribute("inherit") == "true";
        OsResourceValues? min = null, rec = null, max = null;
        Children(r, c =>
        {
            switch (c.LocalName)
            {
                case "minimum": min = ReadValues(c); break;
                case "recommended": rec = ReadValues(c); break;
                case "maximum": max = ReadValues(c); break;
                default: c.Skip(); break;
            }
        });
        return new OsResourceSet(arch, inherit, min, rec, max);
    }

    private static OsResourceValues ReadValues(XmlReader r)
    {
        int? cpus = null;
        long? ram = null, storage = null;
        Children(r, c =>
        {
            switch (c.LocalName)
            {
                case "n-cpus": cpus = int.TryParse(Text(c), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null; break;
                case "ram": ram = Bytes(Text(c)); break;
                case "storage": storage = Bytes(Text(c)); break;
                default: c.Skip(); break;
            }
        });
        return new OsResourceValues(cpus, ram, storage);
    }

    private static long? Bytes(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;

    private static void AddId(XmlReader r, List<string> into)
    {
        if (r.GetAttribute("id") is { Length: > 0 } id && !into.Contains(id))
            into.Add(id);
        r.Skip();
    }

    private static string Text(XmlReader r) => r.ReadElementContentAsString().Trim();

    /// <summary>Calls <paramref name="onChild"/> on each child element, which must read past it; ends past the parent.</summary>
    private static void Children(XmlReader r, Action<XmlReader> onChild)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            return;
        }
        var depth = r.Depth;
        r.Read();
        while (!r.EOF && !(r.NodeType == XmlNodeType.EndElement && r.Depth == depth))
        {
            if (r.NodeType == XmlNodeType.Element)
                onChild(r);
            else
                r.Read();
        }
        r.Read();
    }
}
