using System.Net;
using System.Net.Sockets;

namespace PostTrain.Metrics.Tests;

/// <summary>Free TCP ports on 127.0.0.1 (asked of the kernel, then released for the caller to bind).</summary>
internal static class TestPorts
{
    public static int Free()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        return port;
    }
}
