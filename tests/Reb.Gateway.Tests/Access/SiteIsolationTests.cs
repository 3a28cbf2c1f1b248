using System.Net;
using System.Text;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Access;

/// <summary>A key of one site cannot see, use or change another site's lines: they answer 404 as if absent.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SiteIsolationTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Site_B_keys_get_404_for_site_A_lines_like_for_missing_lines()
    {
        using var b = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin));
        var line = GatewayFixture.Line;
        var requests = new List<HttpRequestMessage>
        {
            new(HttpMethod.Get, $"api/lines/{line}"),
            new(HttpMethod.Get, $"api/lines/{line}/versions"),
            new(HttpMethod.Get, $"api/lines/{line}/calibration"),
            new(HttpMethod.Get, $"api/lines/{line}/audit"),
            new(HttpMethod.Get, $"api/lines/{line}/inspections"),
            new(HttpMethod.Post, $"api/lines/{line}/inspect") { Content = Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0])) },
            new(HttpMethod.Post, $"api/lines/{line}/promote") { Content = new StringContent($"{{\"version\":\"{gateway.SecondVersion}\"}}", Encoding.UTF8, "application/json") },
            new(HttpMethod.Put, $"api/lines/{line}/threshold") { Content = new StringContent("{\"threshold\":0.001}", Encoding.UTF8, "application/json") },
            new(HttpMethod.Post, $"api/lines/{line}/rollback"),
            new(HttpMethod.Post, $"api/lines/{line}/training") { Content = new StringContent("{\"folder\":\"x\"}", Encoding.UTF8, "application/json") },
        };
        foreach (var request in requests)
        {
            var path = request.RequestUri!.ToString();
            using var response = await b.SendAsync(request);
            var detail = await response.AssertProblem(404);
            Assert.Contains("not found", detail);
            // Same answer as for a line that does not exist anywhere: nothing tells the two apart.
            using var missing = await b.SendAsync(new HttpRequestMessage(request.Method, path.Replace($"/{line}", "/no-such-line")) { Content = null });
            if (request.Method == HttpMethod.Get) Assert.Equal(detail.Replace(line, "no-such-line"), await missing.AssertProblem(404));
        }
        // Nothing changed on the line.
        using var a = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var detailA = await (await a.GetAsync($"api/lines/{line}")).ReadJson();
        Assert.Equal(gateway.Version, detailA.GetProperty("currentVersion").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, detailA.GetProperty("thresholdOverride").ValueKind);
    }

    [Fact]
    public async Task Line_listing_shows_only_the_keys_site()
    {
        using var a = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        using var b = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Operator));
        var linesA = (await (await a.GetAsync("api/lines")).ReadJson()).EnumerateArray().Select(l => l.GetProperty("line").GetString()).ToList();
        var linesB = (await (await b.GetAsync("api/lines")).ReadJson()).EnumerateArray().Select(l => l.GetProperty("line").GetString()).ToList();
        Assert.Contains(GatewayFixture.Line, linesA);
        Assert.DoesNotContain(GatewayFixture.OtherSiteLine, linesA);
        Assert.Equal([GatewayFixture.OtherSiteLine], linesB);
        var me = await (await b.GetAsync("api/me")).ReadJson();
        Assert.Equal(GatewayFixture.SiteB, me.GetProperty("site").GetString());
        Assert.Equal(Roles.Operator, me.GetProperty("role").GetString());
    }
}
