namespace Vireo.Core.Storage;

/// <summary>A volume reference resolved to the file behind it.</summary>
/// <param name="Pool">Pool name.</param>
/// <param name="Name">Volume name within the pool.</param>
/// <param name="Path">Absolute path of the image file.</param>
/// <param name="Format">The format Vireo recorded when it made the volume: <c>raw</c> or <c>qcow2</c> (never probed).</param>
public sealed record ResolvedVolume(string Pool, string Name, string Path, string Format);
