using System.Net;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>The Orleans Dashboard (/orleans) shows cluster internals: engineers and admins only.</summary>
[Collection(GatewayCollection.Name)]
public sealed class OrleansDashboardAccessTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("/orleans/")]
    [InlineData("/orleans/index.min.js")]
    [InlineData("/orleans/DashboardCounters")]
    public async Task Operator_key_is_refused_and_anonymous_needs_a_key(string path)
    {
        using var anonymous = gateway.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path.TrimStart('/'))).StatusCode);
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync(path.TrimStart('/'))).StatusCode);
    }

    [Theory]
    [InlineData(Roles.Engineer)]
    [InlineData(Roles.Admin)]
    public async Task Engineer_and_admin_keys_open_the_dashboard(string role)
    {
        using var client = gateway.Client(gateway.Key(GatewayFixture.SiteA, role));
        using var page = await client.GetAsync("orleans/");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        using var counters = await client.GetAsync("orleans/DashboardCounters");
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        Assert.Equal("application/json", counters.Content.Headers.ContentType?.MediaType);
    }
}
