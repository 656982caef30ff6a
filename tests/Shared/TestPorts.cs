using System.Net;
using System.Net.Sockets;

namespace PostTrain.Testing;

/// <summary>Ports for servers a test starts.</summary>
internal static class TestPorts
{
    /// <summary>A loopback port that was free a moment ago (the OS picks it; the caller binds it next).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
