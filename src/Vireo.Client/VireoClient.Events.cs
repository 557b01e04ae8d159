using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary>
    /// <c>GET /v1/events</c>: vireod's events as they happen, until <paramref name="ct"/> is cancelled or vireod ends
    /// the stream (after an <c>overflow</c> event when this client read too slowly). <paramref name="vm"/> keeps one
    /// VM's events, <paramref name="type"/> the types that start with it; <paramref name="lastEventId"/> first replays
    /// the events after that one that vireod still keeps.
    /// </summary>
    public async IAsyncEnumerable<VireoEvent> WatchEventsAsync(string? vm = null, string? type = null, long? lastEventId = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var query = new List<string>();
        if (vm is not null)
            query.Add("vm=" + Uri.EscapeDataString(vm));
        if (type is not null)
            query.Add("type=" + Uri.EscapeDataString(type));
        var request = new HttpRequestMessage(HttpMethod.Get, "v1/events" + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is { } last)
            request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await SendAsync(request, ct, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    var e = JsonSerializer.Deserialize(data.ToString(), VireoJsonContext.Default.VireoEvent);
                    data.Clear();
                    if (e is not null)
                        yield return e;
                }
                continue;
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0)
                    data.Append('\n');
                data.Append(line.AsSpan(line.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5));
            }
            // Comments (": keep-alive"), id: and retry: lines carry nothing the event itself does not.
        }
    }
}
