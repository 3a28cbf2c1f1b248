using System.Net;
using System.Text.Json;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Retention 0/0 (keep every row and image for ever) could be set without a trace, and from then on the line's history
/// only grows. Every retention change is now an audit entry with who made it and the old and new policy; 0/0 says
/// "unlimited" in it. (Checkpoints, orphan images and model versions: Reb.Cluster.Tests, Finding10_RetentionTests.)
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding10_RetentionAuditTests(GatewayFixture gateway)
{
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Unlimited_retention_is_audited_with_who_set_it()
    {
        var line = "sec-f10-retention-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.Grains.GetGrain<Reb.Abstractions.Grains.ILineOperationsGrain>(line).Claim(GatewayFixture.SiteA);
        foreach (var role in new[] { Roles.Engineer, Roles.Admin })
        {
            using var client = gateway.Client(gateway.Key(GatewayFixture.SiteA, role));
            using var limit = new CancellationTokenSource(CallLimit);
            using var set = await client.PutAsync($"api/lines/{line}/retention",
                SecurityHelpers.Json(role == Roles.Engineer ? "{\"days\":0,\"maxStoredImages\":0}"
                    : "{\"days\":30,\"maxStoredImages\":500}"), limit.Token);
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        using var read = new CancellationTokenSource(CallLimit);
        using var audit = await op.GetAsync($"api/lines/{line}/audit?take=10", read.Token);
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        var entries = (await audit.ReadJson()).EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() == "retention").ToList();
        Assert.Equal(2, entries.Count); // newest first
        var unlimited = entries[1];
        Assert.Equal(Roles.Engineer, unlimited.GetProperty("role").GetString());
        Assert.Equal(GatewayFixture.SiteA, unlimited.GetProperty("site").GetString());
        Assert.False(string.IsNullOrWhiteSpace(unlimited.GetProperty("who").GetString()));
        Assert.Equal("90 days, 10000 images", unlimited.GetProperty("oldValue").GetString());
        Assert.StartsWith("unlimited (0/0)", unlimited.GetProperty("newValue").GetString());
        var back = entries[0];
        Assert.Equal(Roles.Admin, back.GetProperty("role").GetString());
        Assert.StartsWith("unlimited (0/0)", back.GetProperty("oldValue").GetString());
        Assert.Equal("30 days, 500 images", back.GetProperty("newValue").GetString());
        Assert.Equal(JsonValueKind.String, back.GetProperty("whenUtc").ValueKind);
    }
}
