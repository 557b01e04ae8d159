using Vireo.Contracts;

namespace Vireo.Host.Checks;

/// <summary>One line of the host report.</summary>
internal abstract class HostCheck
{
    public abstract string Id { get; }
    public abstract string Title { get; }

    public abstract Task<HostCheckItem> RunAsync(HostEnvironment env, CancellationToken ct);

    protected HostCheckItem Pass(string detail) =>
        new() { Id = Id, Title = Title, Status = CheckStatus.Pass, Detail = detail };

    protected HostCheckItem Warn(string detail, string fix) =>
        new() { Id = Id, Title = Title, Status = CheckStatus.Warn, Detail = detail, Fix = fix };

    protected HostCheckItem Fail(string detail, string fix) =>
        new() { Id = Id, Title = Title, Status = CheckStatus.Fail, Detail = detail, Fix = fix };
}

/// <summary>A check that only reads files (no processes), so it needs no async.</summary>
internal abstract class FileHostCheck : HostCheck
{
    public sealed override Task<HostCheckItem> RunAsync(HostEnvironment env, CancellationToken ct) =>
        Task.FromResult(Check(env));

    protected abstract HostCheckItem Check(HostEnvironment env);
}
