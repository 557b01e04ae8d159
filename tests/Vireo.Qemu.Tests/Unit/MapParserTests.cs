namespace Vireo.Qemu.Tests.Unit;

/// <summary>qemu-img map output (QEMU 7.2) read as "does this overlay hold data of its own".</summary>
public sealed class MapParserTests
{
    [Fact]
    public void An_overlay_that_only_reads_through_has_no_data_of_its_own()
    {
        const string json = """
            [{ "start": 0, "length": 1048576, "depth": 1, "present": true, "zero": false, "data": true, "offset": 327680},
            { "start": 1048576, "length": 66060288, "depth": 1, "present": false, "zero": true, "data": false},
            { "start": 67108864, "length": 67108864, "depth": 0, "present": false, "zero": true, "data": false}]
            """;
        Assert.False(QemuImg.ParseHasOwnData(json));
    }

    [Theory]
    [InlineData("""[{ "start": 0, "length": 65536, "depth": 0, "present": true, "zero": false, "data": true, "offset": 327680}]""")]
    // A zeroed cluster hides the backing file's data: it is the overlay's own.
    [InlineData("""[{ "start": 4194304, "length": 65536, "depth": 0, "present": true, "zero": true, "data": false}]""")]
    // Without "present" (older QEMU) a depth-0 extent counts as data: a wrong yes only costs a new base.
    [InlineData("""[{ "start": 0, "length": 65536, "depth": 0, "zero": true, "data": false}]""")]
    public void Any_extent_allocated_in_the_overlay_is_data_of_its_own(string json) =>
        Assert.True(QemuImg.ParseHasOwnData(json));

    [Fact]
    public void Unreadable_output_is_an_error()
    {
        Assert.Throws<QemuImgException>(() => QemuImg.ParseHasOwnData("not json"));
        Assert.Throws<QemuImgException>(() => QemuImg.ParseHasOwnData("{}"));
    }
}
