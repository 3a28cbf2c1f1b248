using System.Net.Http.Json;
using System.Text.Json;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>Engineer actions on the scratch line change what operators get, and each lands in the audit log.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ThresholdAndRegistryTests(GatewayFixture gateway)
{
    private const string Line = GatewayFixture.ScratchLine;

    [Fact]
    public async Task Threshold_override_changes_the_verdict_and_is_audited_old_to_new()
    {
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote", new { version = gateway.Version }))
            .EnsureSuccessStatusCode();
        (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold = (double?)null }))
            .EnsureSuccessStatusCode();
        var image = await File.ReadAllBytesAsync(gateway.DefectImages[0]);
        var first = await (await op.PostAsync($"api/lines/{Line}/inspect", Http.Image(image))).ReadJson();
        var score = first.GetProperty("score").GetSingle();

        double above = Math.Round(score * 1.5 + 0.01, 4), below = Math.Round(score * 0.5, 4);
        var detail = await (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold = above }))
            .ReadJson();
        Assert.Equal(above, detail.GetProperty("threshold").GetDouble());
        Assert.Equal(above, detail.GetProperty("thresholdOverride").GetDouble());
        Assert.NotEqual(above, detail.GetProperty("modelThreshold").GetDouble());
        var good = await (await op.PostAsync($"api/lines/{Line}/inspect", Http.Image(image))).ReadJson();
        Assert.Equal(score, good.GetProperty("score").GetSingle());
        Assert.Equal("good", good.GetProperty("verdict").GetString());
        Assert.Equal(above, good.GetProperty("threshold").GetDouble());

        (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold = below }))
            .EnsureSuccessStatusCode();
        var reject = await (await op.PostAsync($"api/lines/{Line}/inspect", Http.Image(image))).ReadJson();
        Assert.Equal("reject", reject.GetProperty("verdict").GetString());

        var audit = (await (await op.GetAsync($"api/lines/{Line}/audit?take=3")).ReadJson()).EnumerateArray().ToList();
        var last = audit[0];
        Assert.Equal("threshold", last.GetProperty("action").GetString());
        Assert.Equal(above,
            double.Parse(last.GetProperty("oldValue").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(below,
            double.Parse(last.GetProperty("newValue").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"{GatewayFixture.SiteA}-{Roles.Engineer}", last.GetProperty("who").GetString());
        Assert.Equal(Roles.Engineer, last.GetProperty("role").GetString());
        Assert.Equal(GatewayFixture.SiteA, last.GetProperty("site").GetString());
        Assert.Equal("model", audit[1].GetProperty("oldValue").GetString());

        // Back to the model's threshold; a nonsense threshold is refused and changes nothing.
        await (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold = -1.0 }))
            .AssertProblem(400);
        var reset = await (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold",
            new { threshold = (double?)null })).ReadJson();
        Assert.Equal(JsonValueKind.Null, reset.GetProperty("thresholdOverride").ValueKind);
        Assert.Equal(reset.GetProperty("modelThreshold").GetDouble(), reset.GetProperty("threshold").GetDouble());
    }

    [Fact]
    public async Task Promote_and_rollback_switch_the_current_version_and_are_audited()
    {
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote", new { version = gateway.Version }))
            .EnsureSuccessStatusCode();
        var promoted = await (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote",
            new { version = gateway.SecondVersion })).ReadJson();
        Assert.Equal(gateway.SecondVersion, promoted.GetProperty("currentVersion").GetString());
        var versions = promoted.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(2, versions.Count);
        Assert.Single(versions, v => v.GetProperty("isCurrent").GetBoolean());
        Assert.True(versions[0].GetProperty("metrics").GetProperty("threshold").GetDouble() > 0);

        var rolledBack = await (await engineer.PostAsync($"api/lines/{Line}/rollback", null)).ReadJson();
        Assert.Equal(gateway.Version, rolledBack.GetProperty("currentVersion").GetString());

        var audit = (await (await engineer.GetAsync($"api/lines/{Line}/audit?take=2")).ReadJson()).EnumerateArray()
            .ToList();
        Assert.Equal("rollback", audit[0].GetProperty("action").GetString());
        Assert.Equal(gateway.SecondVersion, audit[0].GetProperty("oldValue").GetString());
        Assert.Equal(gateway.Version, audit[0].GetProperty("newValue").GetString());
        Assert.Equal("promote", audit[1].GetProperty("action").GetString());
        Assert.Equal(gateway.Version, audit[1].GetProperty("oldValue").GetString());
        Assert.Equal(gateway.SecondVersion, audit[1].GetProperty("newValue").GetString());

        var detail = await (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote",
            new { version = "0000000000000000000000000000000000000000000000000000000000000000" })).AssertProblem(404);
        Assert.Contains("not registered", detail);
        await (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote", new { version = "" })).AssertProblem(400);
    }
}
