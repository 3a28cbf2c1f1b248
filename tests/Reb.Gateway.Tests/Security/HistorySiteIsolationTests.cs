using System.Net;
using System.Net.Http.Json;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// A site never sees another site's inspections: every history, review, image, CSV, bank and comparison route of
/// another site's line answers 404 exactly like a line that does not exist, and a site's own query holds only its rows.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class HistorySiteIsolationTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Site_b_cannot_read_review_export_or_bank_site_a_inspections()
    {
        using var a = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var bytes = await File.ReadAllBytesAsync(gateway.DefectImages[0]);
        var inspected = await (await a.PostAsync($"api/lines/{GatewayFixture.Line}/inspect", Http.Image(bytes)))
            .ReadJson();
        var id = inspected.GetProperty("id").GetString()!;

        using var b = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin)); // even site B's admin
        var line = GatewayFixture.Line;
        var attempts = new (string What, Func<Task<HttpResponseMessage>> Call)[]
        {
            ("query", () => b.GetAsync($"api/lines/{line}/inspections")),
            ("csv", () => b.GetAsync($"api/lines/{line}/inspections.csv")),
            ("image", () => b.GetAsync($"api/lines/{line}/inspections/{id}/image")),
            ("overlay", () => b.GetAsync($"api/lines/{line}/inspections/{id}/overlay.png")),
            ("review",
                () => b.PostAsJsonAsync($"api/lines/{line}/inspections/{id}/review", new { decision = "overturn" })),
            ("bank", () => b.PostAsJsonAsync($"api/lines/{line}/bank", new { inspections = new[] { id } })),
            ("compare", () => b.GetAsync($"api/lines/{line}/compare?version={gateway.SecondVersion}")),
            ("summary", () => b.GetAsync($"api/lines/{line}/review-summary")),
            ("retention", () => b.PutAsJsonAsync($"api/lines/{line}/retention", new { days = 1 })),
        };
        foreach (var (what, call) in attempts)
        {
            var r = await call();
            Assert.True(r.StatusCode == HttpStatusCode.NotFound, $"{what}: expected 404, got {(int)r.StatusCode}");
            Assert.Contains($"line '{line}' not found", await r.Content.ReadAsStringAsync());
        }

        // Site A's row is untouched by the attempted review, and site B's own history holds none of site A's rows.
        var row = (await (await a.GetAsync($"api/lines/{line}/inspections?take=200")).ReadJson()).EnumerateArray()
            .Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal("none", row.GetProperty("review").GetString());
        var own = await (await b.GetAsync($"api/lines/{GatewayFixture.OtherSiteLine}/inspections?take=1000"))
            .ReadJson();
        Assert.All(own.EnumerateArray(), r => Assert.Equal(GatewayFixture.SiteB, r.GetProperty("site").GetString()));
        Assert.DoesNotContain(own.EnumerateArray(), r => r.GetProperty("id").GetString() == id);
    }
}
