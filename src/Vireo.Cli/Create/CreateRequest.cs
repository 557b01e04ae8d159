using System.Text.Json;
using System.Text.Json.Nodes;
using Vireo.Contracts;

namespace Vireo.Cli.Create;

/// <summary>
/// The JSON <c>vireo create</c> sends: the spec without the fields the user left to vireod (so that an <c>os:</c>
/// can fill them) and without new fields that hold their defaults (so that an older vireod still reads it).
/// </summary>
internal static class CreateRequest
{
    public static string Json(CreatePlan plan)
    {
        var root = JsonSerializer.SerializeToNode(plan.Spec, VireoJsonContext.Default.VmSpec)!.AsObject();
        var boot = root["boot"]?.AsObject();
        var nics = root["nics"]?.AsArray();
        foreach (var path in plan.LeaveOut)
        {
            switch (path)
            {
                case "memory":
                    root.Remove("memory");
                    break;
                case "boot.firmware":
                    boot?.Remove("firmware");
                    break;
                default:
                    if (path.StartsWith("nics[", StringComparison.Ordinal) && path.EndsWith("].model", StringComparison.Ordinal)
                        && int.TryParse(path.AsSpan(5, path.Length - 12), out var i) && nics is not null && i < nics.Count)
                        nics[i]?.AsObject().Remove("model");
                    break;
            }
        }
        if (boot is not null)
        {
            if (boot["once"] is JsonArray { Count: 0 })
                boot.Remove("once");
            if (boot["firmware"]?.GetValue<string>() == "bios" && plan.LeaveOut.Contains("boot.firmware"))
                boot.Remove("firmware");
            if (boot["secure_boot"]?.GetValue<bool>() == false)
                boot.Remove("secure_boot");
        }
        return root.ToJsonString(VireoJsonContext.Default.Options);
    }
}
