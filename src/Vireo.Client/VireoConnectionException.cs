using System.Net.Sockets;

namespace Vireo.Client;

/// <summary>
/// vireod could not be reached (no socket, connection refused, permission denied) or the connection broke before
/// an answer arrived. The message says what was found at <see cref="Endpoint"/> and how to start the daemon.
/// </summary>
public sealed class VireoConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public VireoConnectionException(string endpoint, string message, SocketError? socketError, Exception? inner)
        : base(message, inner)
    {
        Endpoint = endpoint;
        SocketError = socketError;
    }

    /// <summary>The socket path or base URI that was tried.</summary>
    public string Endpoint { get; }

    /// <summary>The socket error behind the failure, when there was one.</summary>
    public SocketError? SocketError { get; }

    internal static VireoConnectionException From(string endpoint, bool isUnixSocket, Exception ex)
    {
        var socketError = FindSocketError(ex);
        string start = isUnixSocket
            ? $"Start it with `systemctl start vireod`, or run `vireod --socket {endpoint}`."
            : "Start vireod on that host with a TCP listener (--listen, or listen = in its config file), or check the address.";
        string what = socketError switch
        {
            // .NET reports ENOENT on a Unix socket path as AddressNotAvailable.
            System.Net.Sockets.SocketError.AddressNotAvailable or System.Net.Sockets.SocketError.AddressFamilyNotSupported
                => $"vireod is not running at {endpoint} (no socket there). {start}",
            System.Net.Sockets.SocketError.ConnectionRefused when !isUnixSocket
                => $"nothing listens at {endpoint} (connection refused). {start}",
            System.Net.Sockets.SocketError.ConnectionRefused
                => $"vireod is not running at {endpoint} (connection refused: a stale socket left by a daemon that " +
                   $"has exited). {start}",
            System.Net.Sockets.SocketError.AccessDenied
                => $"permission denied opening {endpoint}: run vireo as root or as a member of the socket's group " +
                   "(see `ls -l` on the socket).",
            System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.Shutdown
                => $"vireod at {endpoint} closed the connection before answering (did it crash or restart? " +
                   "see `journalctl -u vireod`).",
            _ when ex is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }
                => $"vireod at {endpoint} closed the connection before answering (did it crash or restart? " +
                   "see `journalctl -u vireod`).",
            _ => $"cannot reach vireod at {endpoint}: {Innermost(ex).Message}. {start}",
        };
        return new VireoConnectionException(endpoint, what, socketError, ex);
    }

    private static SocketError? FindSocketError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is SocketException se)
                return se.SocketErrorCode;
        }
        return null;
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
            ex = ex.InnerException;
        return ex;
    }
}
