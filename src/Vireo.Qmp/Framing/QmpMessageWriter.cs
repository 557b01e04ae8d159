using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vireo.Qmp.Framing;

/// <summary>Serialises commands and writes them one at a time: concurrent writers must not interleave bytes.</summary>
internal sealed class QmpMessageWriter(Stream stream, Action<string>? trace) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Builds <c>{"execute": name, "arguments": {...}, "id": id}</c> followed by a newline.</summary>
    public static byte[] Serialize(long id, string name, JsonObject? arguments)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("execute", name);
            if (arguments is not null)
            {
                writer.WritePropertyName("arguments");
                arguments.WriteTo(writer);
            }

            writer.WriteNumber("id", id);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes one message. <paramref name="waitToken"/> may abandon the wait for the lock (the message is then never
    /// sent); once writing starts only <paramref name="ioToken"/> (the connection's lifetime) can stop it, because a
    /// half-written message would corrupt the stream for every later command.
    /// </summary>
    /// <param name="message">The serialised message.</param>
    /// <param name="onWriting">Called under the lock just before the first byte is written.</param>
    /// <param name="waitToken">Cancels waiting for the lock.</param>
    /// <param name="ioToken">Cancels the write itself.</param>
    /// <param name="passFd">A descriptor sent with the message (SCM_RIGHTS), or -1.</param>
    public async Task WriteAsync(byte[] message, Action onWriting, CancellationToken waitToken, CancellationToken ioToken, int passFd = -1)
    {
        await _lock.WaitAsync(waitToken).ConfigureAwait(false);
        try
        {
            // The connection may have closed while this call waited for the lock: then nothing was sent.
            ioToken.ThrowIfCancellationRequested();
            onWriting();
            trace?.Invoke("-> " + Encoding.UTF8.GetString(message.AsSpan(0, message.Length - 1)));
            if (passFd >= 0)
            {
                // The descriptor rides on the message's bytes (SCM_RIGHTS); QEMU's getfd takes the one that came with it.
                var socket = (stream as System.Net.Sockets.NetworkStream)?.Socket
                    ?? throw new InvalidOperationException("a descriptor can only be passed over a Unix socket connection");
                FdPassing.Send(socket, message, passFd);
                return;
            }
            await stream.WriteAsync(message, ioToken).ConfigureAwait(false);
            await stream.FlushAsync(ioToken).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();
}
