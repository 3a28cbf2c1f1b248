using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
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
        // A training request that would be valid for site B (a folder of its own area with images): it must still not
        // reach site A's line. (A request invalid for anyone is a 400 on any line: see Security/LineClaimTests.)
        for (int i = 0; i < gateway.TrainingImages.Count; i++)
        {
            await using var file = File.OpenRead(gateway.TrainingImages[i]);
            await gateway.Store.PutAsync($"sites/{GatewayFixture.SiteB}/isolation/{i}.png", file);
        }
        var requests = new List<HttpRequestMessage>
        {
            new(HttpMethod.Get, $"api/lines/{line}"),
            new(HttpMethod.Get, $"api/lines/{line}/versions"),
            new(HttpMethod.Get, $"api/lines/{line}/calibration"),
            new(HttpMethod.Get, $"api/lines/{line}/audit"),
            new(HttpMethod.Get, $"api/lines/{line}/inspections"),
            new(HttpMethod.Post, $"api/lines/{line}/inspect") { Content =
                Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0])) },
            new(HttpMethod.Post, $"api/lines/{line}/promote") { Content =
                new StringContent($"{{\"version\":\"{gateway.SecondVersion}\"}}", Encoding.UTF8, "application/json") },
            new(HttpMethod.Put, $"api/lines/{line}/threshold") { Content =
                new StringContent("{\"threshold\":0.001}", Encoding.UTF8, "application/json") },
            new(HttpMethod.Post, $"api/lines/{line}/rollback"),
            new(HttpMethod.Post, $"api/lines/{line}/training") { Content = new StringContent(
                $"{{\"folder\":\"sites/{GatewayFixture.SiteB}/isolation\"}}", Encoding.UTF8, "application/json") },
        };
        foreach (var request in requests)
        {
            var path = request.RequestUri!.ToString();
            using var response = await b.SendAsync(request);
            var detail = await response.AssertProblem(404);
            Assert.Contains("not found", detail);
            // Same answer as for a line that does not exist anywhere: nothing tells the two apart.
            using var missing = await b.SendAsync(new HttpRequestMessage(request.Method,
                path.Replace($"/{line}", "/no-such-line")) { Content = null });
            if (request.Method == HttpMethod.Get)
                Assert.Equal(detail.Replace(line, "no-such-line"), await missing.AssertProblem(404));
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
        var linesA = (await (await a.GetAsync("api/lines")).ReadJson()).EnumerateArray()
            .Select(l => l.GetProperty("line").GetString()).ToList();
        var linesB = (await (await b.GetAsync("api/lines")).ReadJson()).EnumerateArray()
            .Select(l => l.GetProperty("line").GetString()).ToList();
        Assert.Contains(GatewayFixture.Line, linesA);
        Assert.DoesNotContain(GatewayFixture.OtherSiteLine, linesA);
        Assert.Equal([GatewayFixture.OtherSiteLine], linesB);
        var me = await (await b.GetAsync("api/me")).ReadJson();
        Assert.Equal(GatewayFixture.SiteB, me.GetProperty("site").GetString());
        Assert.Equal(Roles.Operator, me.GetProperty("role").GetString());
    }

    [Fact]
    public async Task A_line_registered_outside_the_API_belongs_to_the_default_site()
    {
        const string line = "cli-made-line";
        await gateway.Grains.GetGrain<Reb.Abstractions.Grains.IProductLineGrain>(line).RegisterVersion(gateway.Version);
        var keys = gateway.Services.GetRequiredService<ApiKeyService>();
        var (_, key) = await keys.CreateAsync("default-operator", Reb.Abstractions.Contracts.Sites.Default,
            Roles.Operator, "test");
        using var defaultSite = gateway.Client(key);
        var listed = (await (await defaultSite.GetAsync("api/lines")).ReadJson()).EnumerateArray()
            .Select(l => l.GetProperty("line").GetString());
        Assert.Contains(line, listed);
        Assert.Equal(gateway.Version, (await (await defaultSite.GetAsync($"api/lines/{line}")).ReadJson())
            .GetProperty("currentVersion").GetString());
        using var a = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Admin));
        await (await a.GetAsync($"api/lines/{line}")).AssertProblem(404);
    }
}
