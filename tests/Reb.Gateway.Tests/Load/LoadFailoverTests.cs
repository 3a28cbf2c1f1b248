using System.Net;
using System.Net.Sockets;
using Reb.Cli.Commands.Load;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Load;

/// <summary>
/// `reb load` against several silos' HTTP endpoints, one of them gone (nothing listens on its port, as after a silo was
/// killed): every request is still answered, through the live endpoint, and the report says how many attempts failed
/// over instead of counting them as lost.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class LoadFailoverTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Requests_to_a_dead_endpoint_fail_over_to_the_live_one_and_none_is_lost()
    {
        var dead = new Uri($"http://127.0.0.1:{ClosedPort()}/");
        var live = new Uri(gateway.BaseUrl + "/");
        var settings = new LoadSettings(dead, gateway.Key(GatewayFixture.SiteA, Roles.Operator), GatewayFixture.Line,
            Clients: 2, Duration: TimeSpan.FromSeconds(60), MaxRequests: 8, RequestTimeout: TimeSpan.FromSeconds(60),
            MaxRetryAfter: TimeSpan.FromSeconds(1)) { MoreUrls = [live] };
        var report = await new LoadRunner(settings, LoadImage.Read(gateway.GoodImages.Take(2))).RunAsync();

        Assert.Equal(8, report.Ok);
        Assert.Equal(0, report.HardErrors + report.Hung + report.Retryable);
        // Client 0 started on the dead endpoint: exactly one failed attempt, then it stays on the live one.
        Assert.Equal(1, report.FailedOver);
        Assert.Contains(dead.ToString(), report.Target);
        Assert.Contains(live.ToString(), report.Target);
    }

    [Fact]
    public void Every_endpoint_must_be_loopback()
    {
        var settings = new LoadSettings(new Uri("http://127.0.0.1:1/"), "k", "l", 1, TimeSpan.FromSeconds(1), 1,
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))
        { MoreUrls = [new Uri("http://example.com/")] };
        Assert.Throws<ArgumentException>(() => settings.Validated());
    }

    private static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port; // stopped on dispose: connections are refused
    }
}
