using System.Net;
using System.Net.Http.Headers;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Exploits on the operations surfaces: /metrics was anonymous and lists every site's lines, reject counts and job ids;
/// the Orleans Dashboard was open to any site's engineer and shows other sites' grain state (key records, audit).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OperationsSurfaceTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Metrics_need_the_scrape_token_or_an_operations_key()
    {
        using var anonymous = gateway.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("metrics")).StatusCode);
        using var wrongToken = gateway.Client();
        wrongToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongToken.GetAsync("metrics")).StatusCode);
        foreach (var role in Roles.All)
        {
            using var plant = gateway.Client(gateway.Key(GatewayFixture.SiteB, role));
            Assert.Equal(HttpStatusCode.Forbidden, (await plant.GetAsync("metrics")).StatusCode);
        }
        using var scraper = gateway.Client();
        scraper.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Bearer", GatewayFixture.MetricsToken);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync("metrics")).StatusCode);
        using var ops = gateway.Client(gateway.OperationsKey);
        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync("metrics")).StatusCode);
    }

    [Fact]
    public async Task Another_sites_engineer_cannot_open_the_orleans_dashboard()
    {
        foreach (var site in new[] { GatewayFixture.SiteA, GatewayFixture.SiteB })
            foreach (var role in new[] { Roles.Engineer, Roles.Admin })
            {
                using var plant = gateway.Client(gateway.Key(site, role));
                Assert.Equal(HttpStatusCode.Forbidden, (await plant.GetAsync("orleans/DashboardCounters")).StatusCode);
                Assert.Equal(HttpStatusCode.Forbidden, (await plant.GetAsync("orleans/")).StatusCode);
            }
    }
}
