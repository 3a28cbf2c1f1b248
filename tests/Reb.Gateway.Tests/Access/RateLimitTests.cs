using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Access;

[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_key_over_its_per_minute_limit_gets_429_with_Retry_After_while_other_keys_continue()
    {
        var keys = gateway.Services.GetRequiredService<ApiKeyService>();
        var (_, key) = await keys.CreateAsync("rate-limit-test", GatewayFixture.SiteA, Roles.Operator, "test");
        using var client = gateway.Client(key);
        int ok = 0;
        for (int batch = 0; batch < GatewayFixture.RateLimitPerMinute / 20; batch++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("api/me")));
            ok += responses.Count(r => r.IsSuccessStatusCode);
        }
        Assert.Equal(GatewayFixture.RateLimitPerMinute, ok);
        using var refused = await client.GetAsync("api/me");
        await refused.AssertProblem(429);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.True(refused.Headers.RetryAfter!.Delta!.Value > TimeSpan.Zero);
        // The limit is per key: another key of the same site is unaffected.
        using var other = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        Assert.True((await other.GetAsync("api/me")).IsSuccessStatusCode);
    }
}
