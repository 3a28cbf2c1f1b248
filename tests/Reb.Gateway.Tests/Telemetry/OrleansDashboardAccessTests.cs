using System.Net;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>
/// The Orleans Dashboard (/orleans) shows cluster internals of every site: only admins of the operations site may open
/// it; plant keys of any role are refused (the exploit itself is in Security/OperationsSurfaceTests).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OrleansDashboardAccessTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("/orleans/")]
    [InlineData("/orleans/index.min.js")]
    [InlineData("/orleans/DashboardCounters")]
    public async Task Plant_keys_are_refused_and_anonymous_needs_a_key(string path)
    {
        using var anonymous = gateway.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path.TrimStart('/'))).StatusCode);
        foreach (var role in Roles.All)
        {
            using var plant = gateway.Client(gateway.Key(GatewayFixture.SiteA, role));
            Assert.Equal(HttpStatusCode.Forbidden, (await plant.GetAsync(path.TrimStart('/'))).StatusCode);
        }
    }

    [Fact]
    public async Task Operations_admin_key_opens_the_dashboard()
    {
        using var client = gateway.Client(gateway.OperationsKey);
        using var page = await client.GetAsync("orleans/");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        using var counters = await client.GetAsync("orleans/DashboardCounters");
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.Equal("application/json", counters.Content.Headers.ContentType?.MediaType);
    }
}
