using Microsoft.AspNetCore.Mvc;
using Vireo.Contracts;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>A VM's name and what leaves with it: rename, and undefine with its storage (see docs/api.md).</summary>
internal static class IdentityRoutes
{
    public static void MapIdentityApi(this RouteGroupBuilder v1, VmEngine engine)
    {
        v1.MapDelete("/vms/{name}", (string name, [FromQuery(Name = "remove_all_storage")] string? removeAllStorage, CancellationToken ct) =>
            engine.UndefineAsync(name, ParseFlag("remove_all_storage", removeAllStorage), ct));
        v1.MapPost("/vms/{name}/rename", async (string name, HttpRequest request, CancellationToken ct) =>
            await engine.RenameAsync(name, await JsonBody.ReadAsync(request, VireoJsonContext.Default.RenameRequest, ct), ct));
    }

    /// <summary>A boolean query parameter: absent is false; true/false/1/0; anything else is a 400 naming it.</summary>
    internal static bool ParseFlag(string name, string? value) => value switch
    {
        null or "" or "false" or "0" => false,
        "true" or "1" => true,
        _ => throw new InvalidInputException($"invalid query parameter: {name}: \"{value}\" is not true or false",
            [new FieldError { Field = name, Value = value, Message = "is not true or false", Hint = "Give true or false." }]),
    };
}
