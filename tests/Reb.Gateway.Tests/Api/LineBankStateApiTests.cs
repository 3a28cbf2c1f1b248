using System.Net.Http.Json;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>The line's detail says whether its bank is in memory: after an inspection every shard of the current
/// version is resident, so the line is warm.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LineBankStateApiTests(GatewayFixture gateway)
{
    private const string Line = GatewayFixture.ScratchLine;

    [Fact]
    public async Task A_line_just_inspected_is_warm()
    {
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote", new { version = gateway.Version }))
            .EnsureSuccessStatusCode();
        var image = await File.ReadAllBytesAsync(gateway.DefectImages[0]);
        (await engineer.PostAsync($"api/lines/{Line}/inspect", Http.Image(image))).EnsureSuccessStatusCode();
        // The silos report their shards once a second.
        string? state = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); DateTime.UtcNow < deadline && state != "warm";
            await Task.Delay(250))
            state = (await (await engineer.GetAsync($"api/lines/{Line}")).ReadJson()).GetProperty("bankState")
                .GetString();
        Assert.Equal("warm", state);
    }
}
