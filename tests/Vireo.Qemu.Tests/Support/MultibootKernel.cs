using System.Buffers.Binary;
using System.Text;

namespace Vireo.Qemu.Tests.Support;

/// <summary>
/// A real, tiny guest "kernel": a flat multiboot image that QEMU's -kernel loads directly (no firmware boot).
/// It writes a marker line to COM1 (I/O port 0x3f8) and halts, which proves end to end that guest serial
/// output reaches QEMU's console log, without needing a Linux kernel on the test machine.
/// </summary>
public static class MultibootKernel
{
    private const uint LoadAddress = 0x100000;

    public static void Write(string path, string marker)
    {
        // Multiboot v1 header with the "address fields valid" flag (bit 16), so a flat binary needs no ELF.
        const uint magic = 0x1BADB002, flags = 0x00010000;
        const int headerSize = 32, codeSize = 22;
        var code = new byte[]
        {
            0xBA, 0xF8, 0x03, 0x00, 0x00,             // mov edx, 0x3f8        (COM1 data port)
            0xBE, 0, 0, 0, 0,                         // mov esi, message      (patched below)
            0xAC,                                     // loop: lodsb
            0x84, 0xC0,                               // test al, al
            0x74, 0x03,                               // jz done
            0xEE,                                     // out dx, al
            0xEB, 0xF8,                               // jmp loop
            0xFA,                                     // done: cli
            0xF4,                                     // hlt
            0xEB, 0xFC,                               // jmp done
        };
        if (code.Length != codeSize) throw new InvalidOperationException("code size changed");
        BinaryPrimitives.WriteUInt32LittleEndian(code.AsSpan(6), LoadAddress + headerSize + codeSize);

        var image = new List<byte>();
        foreach (var field in new[] { magic, flags, unchecked(0u - magic - flags), LoadAddress, LoadAddress, 0u, 0u, LoadAddress + headerSize })
        {
            var b = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, field);
            image.AddRange(b);
        }
        image.AddRange(code);
        image.AddRange(Encoding.ASCII.GetBytes(marker + "\r\n\0"));
        File.WriteAllBytes(path, image.ToArray());
    }
}
