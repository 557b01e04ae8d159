using System.Text.Json;
using Vireo.Qmp.Json;

namespace Vireo.Qmp;

/// <summary>A character device (QAPI <c>ChardevInfo</c>).</summary>
/// <param name="Label">The chardev id.</param>
/// <param name="Filename">The backend in QEMU's command-line encoding, e.g. <c>unix:/run/x.sock,server=on</c> or <c>pty:/dev/pts/3</c>.</param>
/// <param name="FrontendOpen">True if the device attached to this backend has it open.</param>
public sealed record ChardevInfo(string Label, string Filename, bool FrontendOpen = false);

/// <summary><c>query-chardev</c>: the character devices (serial ports, monitors, consoles).</summary>
public sealed record QueryChardevCommand() : QmpCommand<IReadOnlyList<ChardevInfo>>("query-chardev")
{
    /// <inheritdoc />
    public override IReadOnlyList<ChardevInfo> ParseResult(JsonElement result) =>
        DeserializeResult(result, QmpJsonContext.Default.IReadOnlyListChardevInfo);
}
