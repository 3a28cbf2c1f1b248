using System.Net;

namespace Reb.Cli.Commands.Load;

/// <summary>
/// A load generator must never be pointed at someone else's plant by a typo: only loopback targets are accepted
/// (localhost, 127.0.0.0/8, ::1). There is deliberately no override.
/// </summary>
public static class LoopbackGuard
{
    public static bool IsLoopback(Uri url) =>
        url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public static void Check(Uri url)
    {
        if (url.Scheme is not ("http" or "https")) throw new ArgumentException($"--url '{url}': http or https only");
        if (!IsLoopback(url))
            throw new ArgumentException(
                $"--url '{url}': reb load only targets loopback (localhost, 127.x.x.x, ::1); '{url.Host}' is not");
    }
}
