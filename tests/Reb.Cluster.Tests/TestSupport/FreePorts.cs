using System.Net;
using System.Net.Sockets;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>Free loopback TCP ports for silos and emulators started by tests.</summary>
public static class FreePorts
{
    public static int Next()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
