using Vireo.Contracts;
using Vireo.Core.Os;

namespace Vireo.Daemon;

/// <summary>The osinfo database: <c>GET /v1/os[?family=F]</c> and <c>GET /v1/os/{id}</c> (see docs/api.md, docs/os-catalog.md).</summary>
internal static class OsRoutes
{
    public static void MapOsApi(this RouteGroupBuilder v1, OsCatalog catalog)
    {
        v1.MapGet("/os", (string? family) => catalog.All
            .Where(e => string.IsNullOrEmpty(family) || string.Equals(e.Family, family, StringComparison.OrdinalIgnoreCase))
            .Select(Summary).ToList());
        // {*id}: a full osinfo id is a URL (http://debian.org/debian/12), slashes included.
        v1.MapGet("/os/{*id}", (string id) => Details(catalog.Resolve(id), catalog));
    }

    private static OsSummary Summary(OsEntry e) => new()
    {
        ShortId = e.ShortId,
        Id = e.Id,
        Name = e.Name,
        Family = e.Family,
        Distro = e.Distro,
        Version = e.Version,
        ReleaseDate = e.ReleaseDate,
        EolDate = e.EolDate,
    };

    internal static OsDetails Details(ResolvedOs os, OsCatalog catalog)
    {
        var e = os.Entry;
        return new OsDetails
        {
            ShortId = e.ShortId,
            ShortIds = e.ShortIds,
            Id = e.Id,
            Name = e.Name,
            Vendor = e.Vendor,
            Family = e.Family,
            Distro = e.Distro,
            Version = e.Version,
            Codename = e.Codename,
            ReleaseDate = e.ReleaseDate,
            EolDate = e.EolDate,
            DerivesFrom = e.ParentId is { } parent ? catalog.Find(parent)?.ShortId ?? parent : null,
            Arch = os.Arch,
            Minimum = Resources(os.Minimum),
            Recommended = Resources(os.Recommended),
            Maximum = Resources(os.Maximum),
            ResourcesFrom = os.ResourcesFrom,
            Firmware = os.FirmwareSupported,
            FirmwareUnsupported = os.FirmwareUnsupported,
            VirtioDisk = os.VirtioDisk,
            VirtioNet = os.VirtioNet,
            DiskBus = os.DiskBus,
            NicModel = os.NicModel,
            Files = e.Files,
        };
    }

    private static OsResources Resources(OsResourceValues v) => new() { Vcpus = v.Cpus, MemoryBytes = v.RamBytes, DiskBytes = v.StorageBytes };
}
