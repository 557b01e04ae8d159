namespace Vireo.Cli.Tests;

public sealed class IdentityCommandTests : FakeDaemonTest
{
    [Fact]
    public async Task Undefine_with_remove_all_storage_asks_for_it_in_the_query()
    {
        var result = await Vireo("undefine", "db1", "--remove-all-storage");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(("DELETE", "/v1/vms/db1?remove_all_storage=true"), (Sent()[0].Method, Sent()[0].PathAndQuery));
        Assert.Equal("VM db1 undefined\n", result.Stdout);
    }

    [Fact]
    public async Task Rename_posts_the_new_name()
    {
        await Vireo("rename", "db1", "db2");
        var request = Assert.Single(Sent());
        Assert.Equal(("POST", "/v1/vms/db1/rename"), (request.Method, request.PathAndQuery));
        Assert.Contains("\"name\": \"db2\"", request.Body);
    }

    [Fact]
    public async Task Rename_without_the_new_name_is_a_usage_error_and_sends_nothing()
    {
        var result = await Vireo("rename", "db1");
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(Sent());
    }
}
