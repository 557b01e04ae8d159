using System.Text.Json;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>Result of <c>query-status</c> (QAPI <c>StatusInfo</c>).</summary>
/// <param name="Running">True if all vCPUs are runnable.</param>
/// <param name="Status">The VM run state.</param>
/// <param name="Singlestep">True if vCPUs are in single-step mode (gdbstub); absent in QEMU 9 and later.</param>
public sealed record StatusInfo(bool Running, RunState Status, bool? Singlestep = null);

/// <summary><c>query-status</c>: the VM's run state.</summary>
public sealed record QueryStatusCommand() : QmpCommand<StatusInfo>("query-status")
{
    /// <inheritdoc />
    public override StatusInfo ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.StatusInfo);
}

/// <summary><c>query-version</c>: QEMU's version.</summary>
public sealed record QueryVersionCommand() : QmpCommand<QemuVersionInfo>("query-version")
{
    /// <inheritdoc />
    public override QemuVersionInfo ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.QemuVersionInfo);
}

/// <summary>Result of <c>query-kvm</c>.</summary>
/// <param name="Enabled">True if this VM runs under KVM (false under TCG).</param>
/// <param name="Present">True if this QEMU binary was built with KVM support.</param>
public sealed record KvmInfo(bool Enabled, bool Present);

/// <summary><c>query-kvm</c>: whether KVM acceleration is in use.</summary>
public sealed record QueryKvmCommand() : QmpCommand<KvmInfo>("query-kvm")
{
    /// <inheritdoc />
    public override KvmInfo ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.KvmInfo);
}

/// <summary><c>query-name</c>: the name given with <c>-name</c>, or <c>null</c> when none was given.</summary>
public sealed record QueryNameCommand() : QmpCommand<string?>("query-name")
{
    /// <inheritdoc />
    public override string? ParseResult(JsonElement result) => DeserializeResult(result, QmpJsonContext.Default.NameInfo).Name;
}

/// <summary>Wire shape of <c>query-name</c>'s result.</summary>
internal sealed record NameInfo(string? Name = null);
