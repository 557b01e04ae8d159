using Vireo.Contracts;

namespace Vireo.Host.Tests.Support;

internal static class Assertions
{
    /// <summary>The item has the status, and a fix exactly when it is not a pass.</summary>
    public static void HasStatus(this HostCheckItem item, CheckStatus expected)
    {
        Assert.True(item.Status == expected, $"{item.Id}: expected {expected}, got {item.Status}: {item.Detail} (fix: {item.Fix})");
        if (expected == CheckStatus.Pass) Assert.Null(item.Fix);
        else Assert.False(string.IsNullOrWhiteSpace(item.Fix), $"{item.Id} is {expected} but has no fix");
        Assert.False(string.IsNullOrWhiteSpace(item.Detail));
    }
}
