using Vireo.Contracts;
using Vireo.Core.Errors;
using Vireo.Host.Os;
using Vireo.Host.Uplink;
using Vireo.Host.Uplink.Persistence;

namespace Vireo.Core.Networks;

public sealed partial class NetworkService
{
    /// <summary>
    /// Moves a NIC into a new bridge with its addresses and routes, checks that the gateway (or the given address)
    /// still answers through the bridge, and rolls everything back by itself when it does not.
    /// </summary>
    public async Task<BridgeUplinkResult> BridgeUplinkAsync(BridgeUplinkRequest request, CancellationToken ct)
    {
        if (request.TimeoutSeconds is < 1 or > 600)
            throw InvalidInputException.For("bridge uplink", [new FieldError { Field = "timeout", Value = request.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Message = "must be 1-600 seconds" }]);
        await _lock.WaitAsync(ct);
        try
        {
            var runner = new ProcessCommandRunner();
            var persistence = request.Persist ? new PersistentConfigWriter() : null;
            UplinkPlan plan;
            var planner = new UplinkPlanner(runner, persistence);
            try
            {
                // Planning only reads the host: a dry run changes nothing and sends no packet.
                plan = await planner.PlanAsync(
                    new UplinkRequest(request.Bridge, request.From, request.Check, TimeSpan.FromSeconds(request.TimeoutSeconds), request.Persist), ct);
            }
            catch (UplinkRefusedException e)
            {
                throw InvalidInputException.For("bridge uplink", [new FieldError { Field = e.Field, Value = e.Value.Length == 0 ? null : e.Value, Message = e.Message, Hint = e.Hint }]);
            }
            if (request.DryRun)
                return new BridgeUplinkResult { Plan = plan.Describe(), Applied = false };
            await planner.ProbeAsync(plan, ct);
            UplinkResult result;
            try
            {
                result = await new UplinkConverter(runner, persistence).ApplyAsync(plan, ct);
            }
            catch (UplinkRolledBackException e)
            {
                throw new HostOperationException(e.Message, e);
            }
            catch (UplinkRollbackFailedException e)
            {
                throw new HostOperationException(e.Message, e) { Hint = e.Hint };
            }
            _store.SetMeta(UplinkKey(request.Bridge), request.From);
            return new BridgeUplinkResult
            {
                Plan = plan.Describe(),
                Applied = true,
                ElapsedMs = result.Elapsed.TotalMilliseconds,
                CheckLatencyMs = result.CheckLatency.TotalMilliseconds,
                PersistedTo = result.PersistedTo,
                PersistNote = result.PersistNote,
            };
        }
        finally
        {
            _lock.Release();
        }
    }
}
