using System.Net.Http.Headers;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>PUT .../volumes/{name}/content?format=</c>: streams <paramref name="content"/> (never buffered) into a new
    /// volume <paramref name="volume"/> = <c>POOL/NAME</c>. <paramref name="progress"/> is told the bytes sent so far.
    /// </summary>
    public async Task<VolumeInfo> UploadVolumeAsync(string volume, string format, Stream content, long? length,
        IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var body = new StreamContent(new CountingStream(content, progress), 1 << 20);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (length is { } n)
            body.Headers.ContentLength = n;
        return await SendJsonAsync(HttpMethod.Put, VolumePath(volume) + "/content?format=" + Uri.EscapeDataString(format), body,
            VireoJsonContext.Default.VolumeInfo, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET .../volumes/{name}/content</c>: the volume's file as a stream (read it to the end, then dispose it) and
    /// its length; the volume's recorded format is in <c>Format</c>.
    /// </summary>
    public async Task<(Stream Content, long? Length, string? Format)> DownloadVolumeAsync(string volume, CancellationToken ct = default)
    {
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, VolumePath(volume) + "/content"), ct, HttpCompletionOption.ResponseHeadersRead)
            .ConfigureAwait(false);
        try
        {
            var format = response.Headers.TryGetValues("X-Vireo-Format", out var values) ? values.FirstOrDefault() : null;
            return (new ResponseStream(response, await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false)), response.Content.Headers.ContentLength, format);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Reads through to <paramref name="inner"/> and reports the bytes read so far.</summary>
    private sealed class CountingStream(Stream inner, IProgress<long>? progress) : UnseekableStream
    {
        private long _total;

        public override bool CanRead => true;
        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            Counted(await inner.ReadAsync(buffer.AsMemory(offset, count), ct).ConfigureAwait(false));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Counted(await inner.ReadAsync(buffer, ct).ConfigureAwait(false));

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int n)
        {
            _total += n;
            progress?.Report(_total);
            return n;
        }
    }
}
