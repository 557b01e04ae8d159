namespace Vireo.Core.Engine;

public sealed partial class VmEngine
{
    /// <summary>The daemon's database, for what lives beside the engine (API tokens, the audit log).</summary>
    public Vireo.Persistence.VireoStore Store => _ctx.Store;
}
