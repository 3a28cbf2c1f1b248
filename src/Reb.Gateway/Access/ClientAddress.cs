using System.Net;
using Microsoft.AspNetCore.Http;

namespace Reb.Gateway.Access;

/// <summary>
/// The address of the client behind the configured trusted proxies: the connection's address, or, when that is a
/// trusted proxy, the nearest X-Forwarded-For entry that is not one (walking from the right, the order proxies append).
/// A forwarded header from anyone else is ignored: a client must not choose the address it is counted under.
/// </summary>
public sealed class ClientAddress
{
    private readonly IReadOnlyList<IPNetwork> _proxies;

    public ClientAddress(IEnumerable<string> trustedProxies)
    {
        _proxies = trustedProxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(Parse).ToList();
    }

    private static IPNetwork Parse(string entry)
    {
        var text = entry.Trim();
        if (text.Contains('/') && IPNetwork.TryParse(text, out var network)) return network;
        if (IPAddress.TryParse(text, out var address))
            return new IPNetwork(address, address.GetAddressBytes().Length * 8);
        throw new ArgumentException(
            $"{GatewayOptions.Section}:TrustedProxies: '{entry}' is not an IP address or network");
    }

    public IPAddress? Of(HttpContext context)
    {
        var address = Normalise(context.Connection.RemoteIpAddress);
        if (address is null || !IsTrusted(address)) return address;
        var hops = context.Request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? "").Split(',')).Reverse();
        foreach (var hop in hops)
        {
            if (!IPAddress.TryParse(hop.Trim(), out var forwarded)) return address; // malformed: stop at the proxy
            forwarded = Normalise(forwarded)!;
            if (!IsTrusted(forwarded)) return forwarded;
            address = forwarded;
        }
        return address;
    }

    private bool IsTrusted(IPAddress address) => _proxies.Any(p => p.Contains(address));

    private static IPAddress? Normalise(IPAddress? a) => a is { IsIPv4MappedToIPv6: true } ? a.MapToIPv4() : a;
}
