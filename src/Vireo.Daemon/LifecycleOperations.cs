using System.Text.Json;
using Vireo.Contracts;
using Vireo.Core.Engine;

namespace Vireo.Daemon;

/// <summary>
/// Lifecycle actions with <c>?async=true</c>: the action runs as an operation (kind <c>vm-start</c>,
/// <c>vm-shutdown</c>...; target the VM) that <c>GET /v1/operations/{id}</c> follows, as copies and backups do.
/// </summary>
internal static class LifecycleOperations
{
    /// <summary>
    /// How long the request waits for the action before answering 202. An action refused at once (no such VM, a
    /// VM that is already running) fails within it: that refusal is this request's own error (404, 409...), as
    /// without async, and leaves no operation behind.
    /// </summary>
    internal static readonly TimeSpan RefusalWindow = TimeSpan.FromMilliseconds(250);

    public static async Task<IResult> StartAsync(VmEngine engine, string action, string name, Func<CancellationToken, Task<ActionResult>> run)
    {
        // An unknown VM is refused before anything starts.
        engine.Get(name);
        Exception? failure = null;
        var operation = engine.Operations.Start("vm-" + action, name, async (progress, ct) =>
        {
            ActionResult result;
            try
            {
                result = await run(ct);
            }
            catch (Exception e)
            {
                failure = e;
                throw;
            }
            progress.Report(1);
            return JsonSerializer.SerializeToNode(result, VireoJsonContext.Default.ActionResult);
        });
        var completion = engine.Operations.Completion(operation.Id);
        await Task.WhenAny(completion, Task.Delay(RefusalWindow));
        if (completion.IsCompleted && failure is { } refused)
        {
            engine.Operations.Forget(operation.Id);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(refused);
        }
        return Results.Json(engine.Operations.Get(operation.Id), VireoJsonContext.Default.OperationInfo, statusCode: StatusCodes.Status202Accepted);
    }
}
