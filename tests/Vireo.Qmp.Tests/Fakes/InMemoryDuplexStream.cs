using System.IO.Pipelines;

namespace Vireo.Qmp.Tests.Fakes;

/// <summary>One end of an in-memory, full-duplex byte stream (two pipes), standing in for a connected socket.</summary>
internal sealed class InMemoryDuplexStream(Stream incoming, Stream outgoing) : Stream
{
    /// <summary>Two connected ends: what one writes, the other reads. Disposing an end is closing the connection.</summary>
    public static (InMemoryDuplexStream A, InMemoryDuplexStream B) CreatePair()
    {
        var aToB = new Pipe();
        var bToA = new Pipe();
        return (new InMemoryDuplexStream(bToA.Reader.AsStream(), aToB.Writer.AsStream()),
                new InMemoryDuplexStream(aToB.Reader.AsStream(), bToA.Writer.AsStream()));
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => incoming.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => incoming.ReadAsync(buffer, ct);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        incoming.ReadAsync(buffer, offset, count, ct);

    public override void Write(byte[] buffer, int offset, int count) => outgoing.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => outgoing.WriteAsync(buffer, ct);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        outgoing.WriteAsync(buffer, offset, count, ct);

    public override void Flush() => outgoing.Flush();

    public override Task FlushAsync(CancellationToken ct) => outgoing.FlushAsync(ct);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            outgoing.Dispose();
            incoming.Dispose();
        }

        base.Dispose(disposing);
    }
}
