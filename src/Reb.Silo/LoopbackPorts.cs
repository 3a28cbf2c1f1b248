using System.Net;
using System.Net.Sockets;

namespace Reb.Silo;

/// <summary>
/// A free loopback TCP port, for silos started in-process (the CLI's embedded silo) and by tests. The port is free when
/// returned; another process can take it before it is bound, which on a test machine has not been seen to matter.
/// </summary>
public static class LoopbackPorts
{
    public static int Next()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port; // stopped on dispose
    }
}
