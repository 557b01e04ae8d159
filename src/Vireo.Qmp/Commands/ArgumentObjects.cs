using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qmp;

/// <summary>Checks on the free-form argument objects of <c>device_add</c>, <c>netdev_add</c> and <c>blockdev-add</c>.</summary>
internal static class ArgumentObjects
{
    /// <summary>Fails early, with the command's name, when a member QEMU always requires is missing.</summary>
    public static JsonObject Require(JsonObject arguments, string command, params string[] members)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        foreach (var member in members)
        {
            if (arguments[member] is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                throw new ArgumentException($"'{command}' needs a string member '{member}'", nameof(arguments));
            }
        }

        return arguments;
    }
}
