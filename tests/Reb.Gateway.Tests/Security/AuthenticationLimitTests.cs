using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Exploits on authentication: unlimited key guessing from one address, and random key ids that each left an entry in
/// the gateway's key cache (memory grows with every guess).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AuthenticationLimitTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Guessing_a_keys_secret_from_one_address_is_stopped_with_429_and_other_addresses_are_not()
    {
        // Its own loopback address, so that the block does not touch the other tests (they come from 127.0.0.1).
        var guesser = IPAddress.Parse("127.0.0.2");
        var right = gateway.Key(GatewayFixture.SiteA, Roles.Operator);
        ApiKeyFormat.TryParse(right, out var id, out _);
        using var wrong = SecurityHelpers.ClientFrom(gateway, guesser, null);
        for (int i = 0; i < GatewayFixture.FailedAuthPerMinute; i++)
        {
            using var r = new HttpRequestMessage(HttpMethod.Get, "api/me");
            r.Headers.Add("X-Api-Key", $"reb_{id}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}");
            using var response = await wrong.SendAsync(r);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using var blocked = new HttpRequestMessage(HttpMethod.Get, "api/me");
        blocked.Headers.Add("X-Api-Key", $"reb_{id}_" + new string('0', 64));
        using var refused = await wrong.SendAsync(blocked);
        await refused.AssertProblem(429);
        Assert.True(refused.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero
            && wait <= TimeSpan.FromMinutes(1), "Retry-After");

        // While blocked, even the right secret of that key from that address is not checked; from another address it
        // works.
        using var rightFromGuesser = SecurityHelpers.ClientFrom(gateway, guesser, right);
        await (await rightFromGuesser.GetAsync("api/me")).AssertProblem(429);
        using var rightElsewhere = gateway.Client(right);
        Assert.Equal(HttpStatusCode.OK, (await rightElsewhere.GetAsync("api/me")).StatusCode);
    }

    [Fact]
    public async Task Unknown_key_ids_leave_nothing_in_the_key_cache()
    {
        var keys = gateway.Services.GetRequiredService<ApiKeyService>();
        int before = keys.CachedRecords;
        for (int i = 0; i < 500; i++)
        {
            var guess = $"reb_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}_" +
                $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}";
            Assert.Null(await keys.AuthenticateAsync(guess));
        }
        // Other tests may add a few real keys meanwhile; 500 misses must not be there.
        Assert.True(keys.CachedRecords - before < 20, $"cache grew from {before} to {keys.CachedRecords}");
        // A real key is still cached and found.
        Assert.NotNull(await keys.AuthenticateAsync(gateway.Key(GatewayFixture.SiteA, Roles.Operator)));
    }
}
