using Vireo.Core.Console;
using Vireo.Core.Engine;
using Vireo.Core.Errors;

namespace Vireo.Daemon;

/// <summary>Serves a VM's serial log, optionally following it as QEMU appends.</summary>
internal static class LogsEndpoint
{
    public static async Task StreamAsync(HttpContext context, VmEngine engine, string name, bool follow, int? tail)
    {
        if (tail is < 0)
            throw new InvalidInputException($"tail: \"{tail}\" must be zero or more lines");
        var path = engine.SerialLogPath(name);
        var ct = context.RequestAborted;
        var (text, offset) = await SerialLog.ReadTailAsync(path, tail, ct);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, ct);
        if (!follow)
            return;
        await context.Response.Body.FlushAsync(ct);
        await foreach (var chunk in SerialLog.FollowAsync(path, offset, ct))
        {
            await context.Response.Body.WriteAsync(chunk, ct);
            await context.Response.Body.FlushAsync(ct);
        }
    }
}
