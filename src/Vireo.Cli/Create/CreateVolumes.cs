using System.Globalization;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>The volumes of <c>--disk size=</c>, with <c>size=default</c> made the OS's recommended disk size (osinfo).</summary>
internal static class CreateVolumes
{
    private const long GiB = 1L << 30;

    /// <param name="client">vireod.</param>
    /// <param name="plan">The create plan; its <c>os</c> gives the size.</param>
    /// <param name="imageName">The <c>--image</c>, when given: without <c>--os</c>, its OS gives the size.</param>
    /// <param name="ct">Cancels.</param>
    public static async Task<IReadOnlyList<(string Pool, VolumeCreateRequest Request)>> SizedAsync(VireoClient client, CreatePlan plan, string? imageName, CancellationToken ct)
    {
        string? defaultSize = null;
        var osId = plan.Spec.Os;
        if (plan.NewVolumes.Any(v => v.Size is null) && osId is null && imageName is not null)
        {
            var image = await client.GetImageAsync(imageName, ct).ConfigureAwait(false);
            osId = image.Os is { Length: > 0 } imageOs ? imageOs
                : throw new CliUsageException($"--disk size=default takes the disk size the OS recommends, and the image {imageName} names no OS: add --os ID (vireo os list), or give a size: size=20G.");
        }
        if (plan.NewVolumes.Any(v => v.Size is null) && osId is { } id)
        {
            OsDetails os;
            try
            {
                os = await client.GetOsAsync(id, ct).ConfigureAwait(false);
            }
            catch (VireoApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                throw new CliUsageException($"--os \"{id}\": {e.Message}." + (e.Error.Hint is null ? "" : " " + e.Error.Hint));
            }
            var bytes = os.Recommended.DiskBytes ?? os.Minimum.DiskBytes
                ?? throw new CliUsageException($"--disk size=default: the osinfo database gives {os.ShortId} no disk size; give one: size=20G.");
            // Whole GiB, rounded up: what virt-install would make.
            defaultSize = ((bytes + GiB - 1) / GiB).ToString(CultureInfo.InvariantCulture) + "G";
        }
        return plan.NewVolumes
            .Select(v => (v.Pool, new VolumeCreateRequest { Name = v.Name, Size = v.Size ?? defaultSize, Format = v.Format }))
            .ToList();
    }
}
