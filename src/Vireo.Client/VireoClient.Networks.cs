using System.Text;
using System.Text.Json;
using Vireo.Contracts;

namespace Vireo.Client;

public sealed partial class VireoClient
{
    /// <summary><c>GET /v1/networks</c>.</summary>
    public async Task<IReadOnlyList<NetworkInfo>> ListNetworksAsync(CancellationToken ct = default) =>
        await GetJsonAsync("v1/networks", VireoJsonContext.Default.ListNetworkInfo, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/networks/{name}</c>.</summary>
    public Task<NetworkInfo> GetNetworkAsync(string name, CancellationToken ct = default) =>
        GetJsonAsync(NetworkPath(name), VireoJsonContext.Default.NetworkInfo, ct);

    /// <summary><c>POST /v1/networks</c>: defines a network and (unless <paramref name="start"/> is false) starts it.</summary>
    public Task<NetworkInfo> CreateNetworkAsync(NetworkSpec spec, bool start = true, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, start ? "v1/networks" : "v1/networks?start=false",
            Json(spec, VireoJsonContext.Default.NetworkSpec), VireoJsonContext.Default.NetworkInfo, ct);

    /// <summary><c>DELETE /v1/networks/{name}</c>: refused while VMs use it.</summary>
    public Task DeleteNetworkAsync(string name, CancellationToken ct = default) =>
        SendNoContentAsync(HttpMethod.Delete, NetworkPath(name), ct);

    /// <summary><c>POST /v1/networks/{name}/start</c>.</summary>
    public Task<NetworkInfo> StartNetworkAsync(string name, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, NetworkPath(name) + "/start", null, VireoJsonContext.Default.NetworkInfo, ct);

    /// <summary><c>POST /v1/networks/{name}/stop</c>.</summary>
    public Task<NetworkInfo> StopNetworkAsync(string name, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, NetworkPath(name) + "/stop", null, VireoJsonContext.Default.NetworkInfo, ct);

    /// <summary><c>GET /v1/forwards</c> or <c>GET /v1/networks/{name}/forwards</c>.</summary>
    public async Task<IReadOnlyList<PortForward>> ListForwardsAsync(string? network = null, CancellationToken ct = default) =>
        await GetJsonAsync(network is null ? "v1/forwards" : NetworkPath(network) + "/forwards", VireoJsonContext.Default.ListPortForward, ct).ConfigureAwait(false);

    /// <summary><c>POST /v1/networks/{name}/forwards</c>.</summary>
    public Task<PortForward> AddForwardAsync(PortForward forward, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(forward);
        return SendJsonAsync(HttpMethod.Post, NetworkPath(forward.Network) + "/forwards",
            Json(forward, VireoJsonContext.Default.PortForward), VireoJsonContext.Default.PortForward, ct);
    }

    /// <summary><c>DELETE /v1/networks/{name}/forwards/{protocol}/{port}</c>.</summary>
    public Task<PortForwardRemoved> RemoveForwardAsync(string network, string protocol, int hostPort, string? hostAddress = null, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete,
            $"{NetworkPath(network)}/forwards/{Uri.EscapeDataString(protocol)}/{hostPort}" +
            (hostAddress is null ? "" : "?hostAddress=" + Uri.EscapeDataString(hostAddress)), null, VireoJsonContext.Default.PortForwardRemoved, ct);

    /// <summary><c>PUT /v1/networks/{name}/reservations/{vm}</c>.</summary>
    public Task<DhcpReservation> ReserveAsync(string network, string vm, string address, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Put, $"{NetworkPath(network)}/reservations/{Uri.EscapeDataString(vm)}",
            Json(new ReservationRequest { Address = address }, VireoJsonContext.Default.ReservationRequest), VireoJsonContext.Default.DhcpReservation, ct);

    /// <summary><c>DELETE /v1/networks/{name}/reservations/{vm}</c>.</summary>
    public Task UnreserveAsync(string network, string vm, CancellationToken ct = default) =>
        SendNoContentAsync(HttpMethod.Delete, $"{NetworkPath(network)}/reservations/{Uri.EscapeDataString(vm)}", ct);

    /// <summary><c>GET /v1/vms/{name}/addresses</c>: the VM's addresses and their sources.</summary>
    public async Task<IReadOnlyList<VmAddress>> GetAddressesAsync(string name, CancellationToken ct = default) =>
        await GetJsonAsync(VmPath(name) + "/addresses", VireoJsonContext.Default.ListVmAddress, ct).ConfigureAwait(false);

    /// <summary><c>GET /v1/network-doctor</c>: what breaks VM networking on the host.</summary>
    public Task<NetworkDoctorReport> NetworkDoctorAsync(CancellationToken ct = default) =>
        GetJsonAsync("v1/network-doctor", VireoJsonContext.Default.NetworkDoctorReport, ct);

    /// <summary><c>POST /v1/host/bridge-uplink</c>: the live NIC-to-bridge conversion with automatic rollback.</summary>
    public Task<BridgeUplinkResult> BridgeUplinkAsync(BridgeUplinkRequest request, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, "v1/host/bridge-uplink", Json(request, VireoJsonContext.Default.BridgeUplinkRequest), VireoJsonContext.Default.BridgeUplinkResult, ct);

    /// <summary><c>POST /v1/vms/{name}/nics</c>: adds a NIC, live when the VM runs.</summary>
    public Task<VmInfo> AttachNicAsync(string name, NicSpec nic, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, VmPath(name) + "/nics", Json(nic, VireoJsonContext.Default.NicSpec), VireoJsonContext.Default.VmInfo, ct);

    /// <summary><c>POST /v1/vms/{name}/nics/{mac}/link/up|down</c>: the NIC's virtual cable, live when the VM runs.</summary>
    public Task<VmInfo> SetLinkAsync(string name, string mac, bool up, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Post, $"{VmPath(name)}/nics/{Uri.EscapeDataString(mac)}/link/{(up ? "up" : "down")}", null, VireoJsonContext.Default.VmInfo, ct);

    /// <summary><c>DELETE /v1/vms/{name}/nics/{mac}</c>: removes a stopped VM's NIC.</summary>
    public Task<VmInfo> DetachNicAsync(string name, string mac, CancellationToken ct = default) =>
        SendJsonAsync(HttpMethod.Delete, $"{VmPath(name)}/nics/{Uri.EscapeDataString(mac)}", null, VireoJsonContext.Default.VmInfo, ct);

    private static string NetworkPath(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "v1/networks/" + Uri.EscapeDataString(name);
    }

    private static StringContent Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        new(JsonSerializer.Serialize(value, type), Encoding.UTF8, "application/json");

    private async Task SendNoContentAsync(HttpMethod method, string path, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(method, path), ct).ConfigureAwait(false);
    }
}
