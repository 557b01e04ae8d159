using System.Globalization;
using System.Text;
using Vireo.Integration.Tests.Support;

namespace Vireo.Integration.Tests;

/// <summary>The point-in-time check must accept every instant of the writer and reject copies of no instant.</summary>
public sealed class GuestWriterCheckTests : IDisposable
{
    private readonly string _image = Path.Combine(Path.GetTempPath(), $"vireo-pit-{Guid.NewGuid():N}.raw");

    public void Dispose() => File.Delete(_image);

    /// <summary>The disk after writes 0..<paramref name="last"/>; <paramref name="partialPages"/> of write last+1 already landed.</summary>
    private void Disk(long last, int partialPages = 0, Action<FileStream>? tamper = null)
    {
        using var f = File.Create(_image);
        f.SetLength((GuestWriter.EndRegionBlock + GuestWriter.Slots) * GuestWriter.BlockBytes);
        for (var s = Math.Max(0, last - 2 * GuestWriter.Slots); s <= last + 1; s++)
        {
            var bytes = Block(s);
            var length = s == last + 1 ? partialPages * 4096 : bytes.Length;
            f.Position = GuestWriter.BlockOf((int)(s % GuestWriter.Slots)) * GuestWriter.BlockBytes;
            f.Write(bytes, 0, length);
        }
        tamper?.Invoke(f);
    }

    private static byte[] Block(long s) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(s.ToString("0000000", CultureInfo.InvariantCulture) + "\n", GuestWriter.BlockBytes / 8)));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 0)]
    [InlineData(100, 0)]
    [InlineData(100, 7)]
    public void Every_instant_of_the_writer_passes(long last, int partialPages)
    {
        Disk(last, partialPages);
        Assert.Equal(partialPages > 0 ? last + 1 : last, GuestWriter.CheckPointInTime(_image));
    }

    [Fact]
    public void A_copy_whose_start_is_older_than_its_end_fails()
    {
        // The start region as it was at write 60, the end region as at write 100: no single instant.
        Disk(100, tamper: f =>
        {
            for (var s = 60 - GuestWriter.Slots + 1; s <= 60; s++)
                if (s % GuestWriter.Slots < GuestWriter.Slots / 2)
                {
                    f.Position = GuestWriter.BlockOf((int)(s % GuestWriter.Slots)) * GuestWriter.BlockBytes;
                    f.Write(Block(s));
                }
        });
        Assert.Throws<Xunit.Sdk.XunitException>(() => GuestWriter.CheckPointInTime(_image));
    }

    [Fact]
    public void A_torn_page_fails()
    {
        Disk(40, tamper: f =>
        {
            f.Position = GuestWriter.BlockOf(3) * GuestWriter.BlockBytes + 8;
            f.Write(Encoding.ASCII.GetBytes("9999999\n"));
        });
        Assert.Throws<Xunit.Sdk.XunitException>(() => GuestWriter.CheckPointInTime(_image));
    }
}
