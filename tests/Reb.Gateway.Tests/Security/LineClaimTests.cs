using System.Net;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Exploits on line names: two sites racing to create the same line both got it (the owner check ran before the claim),
/// and the training POST told "another site owns this name" (404) apart from "free" (400) for the same bad request.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class LineClaimTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Two_sites_racing_for_a_new_line_name_one_wins_and_the_other_gets_404()
    {
        const string s1 = "sec-race-1", s2 = "sec-race-2";
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{s1}/good");
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{s2}/good");
        using var c1 = gateway.Client(await SecurityHelpers.KeyAsync(gateway, s1, Roles.Engineer));
        using var c2 = gateway.Client(await SecurityHelpers.KeyAsync(gateway, s2, Roles.Engineer));
        var lines = new[] { "sec-race-x1", "sec-race-x2", "sec-race-x3" };
        try
        {
            foreach (var line in lines)
            {
                var r1 = c1.PostAsync($"api/lines/{line}/training",
                    SecurityHelpers.Json($"{{\"folder\":\"sites/{s1}/good\",\"imageSize\":32,\"promote\":false}}"));
                var r2 = c2.PostAsync($"api/lines/{line}/training",
                    SecurityHelpers.Json($"{{\"folder\":\"sites/{s2}/good\",\"imageSize\":32,\"promote\":false}}"));
                var both = await Task.WhenAll(r1, r2);
                var statuses = both.Select(r => r.StatusCode).ToList();
                Assert.True(statuses.Count(s => s == HttpStatusCode.Accepted) == 1
                    && statuses.Count(s => s == HttpStatusCode.NotFound) == 1,
                    $"line {line}: {string.Join(", ", statuses)}");
                var owner = (await gateway.Grains.GetGrain<ILineOperationsGrain>(line).GetSettings()).Site;
                Assert.Equal(both[0].StatusCode == HttpStatusCode.Accepted ? s1 : s2, owner);
                Assert.Single((await gateway.Grains.GetGrain<IProductLineGrain>(line).GetStatus()).Jobs);
            }
        }
        finally
        {
            foreach (var line in lines) await SecurityHelpers.CancelJobsAsync(gateway, line);
        }
    }

    [Fact]
    public async Task Another_sites_line_answers_a_training_request_exactly_like_a_line_the_caller_cannot_see()
    {
        const string site = "sec-probe";
        using var b = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        var taken = GatewayFixture.Line; // site A's
        const string free = "sec-probe-free-name";
        // The same bad request gets the same answer on a taken and on a free name: nothing tells them apart.
        var bad = new[]
        {
            "{\"folder\":\"sites/sec-probe/x\",\"k\":0}",
            "{\"folder\":\"sites/other/x\"}",
            "{}",
        };
        foreach (var body in bad)
        {
            using var onTaken = await b.PostAsync($"api/lines/{taken}/training", SecurityHelpers.Json(body));
            using var onFree = await b.PostAsync($"api/lines/{free}/training", SecurityHelpers.Json(body));
            var takenDetail = await onTaken.AssertProblem(400);
            Assert.Equal(await onFree.AssertProblem(400), takenDetail);
        }
        // A valid request on the taken name: the same 404 as reading a line the caller may not see.
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{site}/good");
        using var valid = await b.PostAsync($"api/lines/{taken}/training",
            SecurityHelpers.Json($"{{\"folder\":\"sites/{site}/good\",\"imageSize\":32}}"));
        using var read = await b.GetAsync($"api/lines/{taken}");
        Assert.Equal(await read.AssertProblem(404), await valid.AssertProblem(404));
        Assert.Equal(GatewayFixture.SiteA,
            (await gateway.Grains.GetGrain<ILineOperationsGrain>(taken).GetSettings()).Site);
        // The free name was not claimed by the refused requests.
        Assert.Null((await gateway.Grains.GetGrain<ILineOperationsGrain>(free).GetSettings()).Site);
    }
}
