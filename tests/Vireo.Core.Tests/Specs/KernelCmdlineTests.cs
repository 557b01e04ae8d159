using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

public sealed class KernelCmdlineTests
{
    [Theory]
    [InlineData("console=ttyS0 quiet vireo.hostname=web", "console=ttyS0 quiet vireo.hostname=web2")]
    [InlineData("vireo.hostname=web console=ttyS0", "vireo.hostname=web2 console=ttyS0")]
    [InlineData("a  vireo.hostname=\"web\"  b", "a  vireo.hostname=web2  b")]
    [InlineData("vireo.hostname=web vireo.hostname=web", "vireo.hostname=web2 vireo.hostname=web2")]
    // Not the VM's name: set by hand, kept.
    [InlineData("vireo.hostname=frontend", "vireo.hostname=frontend")]
    [InlineData("vireo.hostname=web-1", "vireo.hostname=web-1")]
    [InlineData("vireo.hostname=webX vireo.hostnameX=web", "vireo.hostname=webX vireo.hostnameX=web")]
    [InlineData("xvireo.hostname=web", "xvireo.hostname=web")]
    [InlineData("root=/dev/vda", "root=/dev/vda")]
    [InlineData("", "")]
    public void The_hostname_follows_the_name_only_where_it_was_the_name(string cmdline, string expected) =>
        Assert.Equal(expected, KernelCmdline.FollowName(cmdline, "web", "web2"));

    [Fact]
    public void Dots_in_a_name_are_literal_and_null_stays_null()
    {
        Assert.Equal("vireo.hostname=aXb", KernelCmdline.FollowName("vireo.hostname=aXb", "a.b", "new"));
        Assert.Equal("vireo.hostname=new", KernelCmdline.FollowName("vireo.hostname=a.b", "a.b", "new"));
        Assert.Null(KernelCmdline.FollowName(null, "a", "b"));
    }

    [Theory]
    // The name with "_" as it was written before hostnames had to be valid, and its hostname form: both follow.
    [InlineData("vireo.hostname=web_1", "web_1", "db_2", "vireo.hostname=db-2")]
    [InlineData("quiet vireo.hostname=web-1", "web_1", "db", "quiet vireo.hostname=db")]
    [InlineData("vireo.hostname=web", "web", "new_vm", "vireo.hostname=new-vm")]
    // Set by hand to something else: kept.
    [InlineData("vireo.hostname=web_2", "web_1", "db", "vireo.hostname=web_2")]
    public void The_hostname_follows_in_its_valid_form(string cmdline, string oldName, string newName, string expected) =>
        Assert.Equal(expected, KernelCmdline.FollowName(cmdline, oldName, newName));

    [Fact]
    public void A_new_image_VM_is_named_in_hostname_form() =>
        Assert.Equal("vireo.hostname=web-1", KernelCmdline.HostnameFor("web_1"));
}
