using System.Text.Json;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>A machine type (QAPI <c>MachineInfo</c>).</summary>
/// <param name="Name">The versioned machine name, e.g. <c>pc-q35-7.2</c>.</param>
/// <param name="CpuMax">Maximum number of vCPUs.</param>
/// <param name="HotpluggableCpus">True if CPUs can be hot-plugged with <c>device_add</c>.</param>
/// <param name="Deprecated">True if the machine type is deprecated.</param>
/// <param name="Alias">Short alias, e.g. <c>q35</c>.</param>
/// <param name="IsDefault">True for the machine used when <c>-machine</c> is not given.</param>
/// <param name="DefaultCpuType">The CPU model used when <c>-cpu</c> is not given.</param>
/// <param name="DefaultRamId">Id of the default RAM backend.</param>
/// <param name="NumaMemSupported">True if <c>-numa node,mem</c> is supported.</param>
public sealed record MachineInfo(
    string Name,
    int CpuMax,
    bool HotpluggableCpus,
    bool Deprecated,
    string? Alias = null,
    bool IsDefault = false,
    string? DefaultCpuType = null,
    string? DefaultRamId = null,
    bool NumaMemSupported = false);

/// <summary><c>query-machines</c>: the machine types this QEMU supports.</summary>
public sealed record QueryMachinesCommand() : QmpCommand<IReadOnlyList<MachineInfo>>("query-machines")
{
    /// <inheritdoc />
    public override IReadOnlyList<MachineInfo> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListMachineInfo);
}

/// <summary><c>query-commands</c>: the names of the QMP commands this QEMU accepts.</summary>
public sealed record QueryCommandsCommand() : QmpCommand<IReadOnlyList<string>>("query-commands")
{
    /// <inheritdoc />
    public override IReadOnlyList<string> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListCommandInfo).Select(c => c.Name).ToArray();
}

/// <summary>Wire shape of one <c>query-commands</c> entry.</summary>
internal sealed record CommandInfo(string Name);
