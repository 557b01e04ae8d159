using Vireo.Core.Specs;

namespace Vireo.Core.Tests.Specs;

public class MacAddressesTests
{
    [Fact]
    public void Generated_addresses_have_the_qemu_prefix_and_are_valid_unicast()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var mac = MacAddresses.Generate(random);
            Assert.Matches("^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$", mac);
            Assert.Null(MacAddresses.Validate(mac));
        }
        Assert.True(MacAddresses.IsValid(MacAddresses.Generate()));
    }

    [Fact]
    public void Seeded_generation_is_repeatable() =>
        Assert.Equal(MacAddresses.Generate(new Random(42)), MacAddresses.Generate(new Random(42)));

    [Fact]
    public void Crypto_generation_varies()
    {
        var macs = Enumerable.Range(0, 20).Select(_ => MacAddresses.Generate()).ToHashSet();
        Assert.True(macs.Count > 1);
    }

    [Fact]
    public void Generates_from_explicit_bytes() =>
        Assert.Equal("52:54:00:0a:bc:ff", MacAddresses.Generate([0x0a, 0xbc, 0xff]));

    [Fact]
    public void Refuses_a_suffix_that_is_not_three_bytes() =>
        Assert.Throws<ArgumentException>(() => MacAddresses.Generate(new byte[] { 1, 2 }));

    [Theory]
    [InlineData("52:54:00:12:34:56")]
    [InlineData("52:54:00:AB:CD:EF")]
    [InlineData("02:00:00:00:00:01")]
    [InlineData("00:16:3e:00:00:01")]
    public void Accepts_unicast_addresses(string mac) => Assert.Null(MacAddresses.Validate(mac));

    [Theory]
    [InlineData("01:00:5e:00:00:01", "multicast")]
    [InlineData("ff:ff:ff:ff:ff:ff", "multicast")]
    [InlineData("00:00:00:00:00:00", "all zeros")]
    [InlineData("52-54-00-12-34-56", "uses \"-\"")]
    [InlineData("52:54:00:12:34", "not a MAC address")]
    [InlineData("52:54:00:12:34:5g", "not a MAC address")]
    [InlineData("525400123456", "not a MAC address")]
    [InlineData("", "is empty")]
    public void Rejects_unusable_addresses(string mac, string fragment)
    {
        var error = MacAddresses.Validate(mac);
        Assert.NotNull(error);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalizes_to_lower_case() => Assert.Equal("52:54:00:ab:cd:ef", MacAddresses.Normalize("52:54:00:AB:CD:EF"));
}
