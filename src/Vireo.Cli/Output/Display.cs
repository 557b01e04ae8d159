using Vireo.Contracts;

namespace Vireo.Cli.Output;

/// <summary>How values look in tables: the same words the API uses.</summary>
internal static class Display
{
    public static string State(VmState state) => state switch
    {
        VmState.Stopped => "stopped",
        VmState.Starting => "starting",
        VmState.Running => "running",
        VmState.Paused => "paused",
        VmState.ShuttingDown => "shutting-down",
        VmState.Crashed => "crashed",
        _ => state.ToString().ToLowerInvariant(),
    };

    public static string OnCrash(OnCrash value) => value switch
    {
        Contracts.OnCrash.Destroy => "destroy",
        Contracts.OnCrash.Restart => "restart",
        Contracts.OnCrash.Preserve => "preserve",
        _ => value.ToString().ToLowerInvariant(),
    };

    /// <summary>MiB as people read it: <c>512 MiB</c>, <c>2 GiB</c>.</summary>
    public static string Memory(long mib) =>
        mib >= 1024 && mib % 1024 == 0 ? $"{mib / 1024} GiB" : $"{mib} MiB";

    public static string YesNo(bool value) => value ? "yes" : "no";

    public static string Time(DateTimeOffset time) =>
        time == default ? "-" : time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The one-line TCG warning every place that shows the accelerator repeats.</summary>
    public static string Accel(string accel, string? warning)
    {
        if (!string.Equals(accel, "tcg", StringComparison.OrdinalIgnoreCase))
            return accel;
        string text = "tcg — software emulation (no KVM): VMs run much slower";
        return string.IsNullOrWhiteSpace(warning) ? text : $"{text}; {warning}";
    }
}
