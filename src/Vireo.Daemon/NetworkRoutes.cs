using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>Networks, port forwards, reservations and VM addresses (see docs/api.md).</summary>
internal static class NetworkRoutes
{

    public static void MapNetworkApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        var networks = engine.Networks;
        v1.MapGet("/networks", () => networks.List());
        v1.MapGet("/network-doctor", (CancellationToken ct) => networks.DoctorAsync(ct));
        v1.MapPost("/host/bridge-uplink", async (HttpRequest request, CancellationToken ct) =>
            await networks.BridgeUplinkAsync(await JsonBody.ReadAsync(request, VireoJsonContext.Default.BridgeUplinkRequest, ct), ct));
        v1.MapPost("/networks", async (HttpRequest request, bool? start, CancellationToken ct) =>
        {
            var spec = await JsonBody.ReadAsync(request, VireoJsonContext.Default.NetworkSpec, ct);
            var info = await networks.CreateAsync(spec, start ?? true, ct);
            return Results.Json(info, VireoJsonContext.Default.NetworkInfo, statusCode: StatusCodes.Status201Created);
        });
        v1.MapGet("/networks/{name}", (string name) => networks.Get(name));
        v1.MapDelete("/networks/{name}", async (string name, CancellationToken ct) =>
        {
            await networks.DeleteAsync(name, ct);
            return Results.NoContent();
        });
        v1.MapPost("/networks/{name}/{action}", async (string name, string action, CancellationToken ct) => action switch
        {
            "start" => await networks.StartAsync(name, ct),
            "stop" => await networks.StopAsync(name, ct),
            _ => throw new InvalidInputException($"unknown network action \"{action}\"; actions: start, stop"),
        });

        v1.MapGet("/forwards", () => networks.ListForwards(null));
        v1.MapGet("/networks/{name}/forwards", (string name) => networks.ListForwards(name));
        v1.MapPost("/networks/{name}/forwards", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            var forward = await JsonBody.ReadAsync(request, VireoJsonContext.Default.PortForward, ct);
            if (forward.Network != name)
                forward = forward with { Network = name };
            var created = await networks.AddForwardAsync(forward, ct);
            return Results.Json(created, VireoJsonContext.Default.PortForward, statusCode: StatusCodes.Status201Created);
        });
        v1.MapDelete("/networks/{name}/forwards/{protocol}/{port:int}", (string name, string protocol, int port, string? hostAddress, CancellationToken ct) =>
            networks.RemoveForwardAsync(name, protocol, hostAddress, port, ct));

        v1.MapPut("/networks/{name}/reservations/{vm}", async (string name, string vm, HttpRequest request, CancellationToken ct) =>
        {
            var body = await JsonBody.ReadAsync(request, VireoJsonContext.Default.ReservationRequest, ct);
            return await networks.ReserveAsync(name, vm, body.Address, ct);
        });
        v1.MapDelete("/networks/{name}/reservations/{vm}", async (string name, string vm, CancellationToken ct) =>
        {
            await networks.UnreserveAsync(name, vm, ct);
            return Results.NoContent();
        });

        v1.MapPost("/vms/{name}/nics", async (string name, HttpRequest request, CancellationToken ct) =>
            await engine.AttachNicAsync(name, await JsonBody.ReadAsync(request, VireoJsonContext.Default.NicSpec, ct), ct));
        v1.MapPost("/vms/{name}/nics/{mac}/link/{state}", (string name, string mac, string state, CancellationToken ct) => state switch
        {
            "up" => engine.SetLinkAsync(name, mac, true, ct),
            "down" => engine.SetLinkAsync(name, mac, false, ct),
            _ => throw new InvalidInputException($"link state \"{state}\" is not up or down", [new FieldError { Field = "state", Value = state, Message = "is not up or down" }]),
        });
        v1.MapDelete("/vms/{name}/nics/{mac}", (string name, string mac, CancellationToken ct) => engine.DetachNicAsync(name, mac, ct));
        v1.MapGet("/vms/{name}/addresses", (string name, CancellationToken ct) => engine.AddressesAsync(name, ct));
    }


}
