using System.Net;
using Vireo.Cli.Output;
using Vireo.Client;
using Vireo.Contracts;

namespace Vireo.Cli.Commands;

/// <summary>
/// A VM in the wrong state for what a read command asks, found by the CLI from vireod's answer: reported like
/// vireod's own invalid_state errors (exit 4, with a hint).
/// </summary>
internal static class StateErrors
{
    public static VireoApiException WrongState(string detail, string? hint) =>
        new(HttpStatusCode.Conflict, new ApiError
        {
            Status = 409,
            Code = ErrorCodes.InvalidState,
            Title = "Invalid state",
            Detail = detail,
            Hint = hint,
        });

    /// <summary><c>VM "web1" is stopped; WHAT</c>, with the hint to start it.</summary>
    public static VireoApiException NotRunning(VmInfo vm, string what) =>
        WrongState($"VM \"{vm.Name}\" is {Display.State(vm.State)}; {what}", $"Start it first: vireo start {vm.Name}");
}
