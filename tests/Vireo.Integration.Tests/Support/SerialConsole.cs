using System.Net.Sockets;
using System.Text;

namespace Vireo.Integration.Tests.Support;

/// <summary>Writes to a VM's console socket directly, for moments when vireod is deliberately not running.</summary>
internal static class SerialConsole
{
    public static async Task SendAsync(string socketPath, string text)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(Encoding.ASCII.GetBytes(text));
        await Task.Delay(500);
    }
}
