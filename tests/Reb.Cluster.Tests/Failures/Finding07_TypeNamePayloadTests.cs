using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// Grain state in Redis was written with the provider's JSON default, type names honoured: whoever could write the
/// store could inject a "$type" payload, e.g. an API key store with a forged admin key. The silo now writes Orleans'
/// own format and refuses a type-name payload by name. Real Redis; a real silo reads what the test wrote there.
/// </summary>
public sealed class Finding07_TypeNamePayloadTests(ITestOutputHelper output)
{
    private const string Redis = "127.0.0.1:6379";

    [Fact]
    public async Task A_type_name_payload_in_redis_state_is_refused_and_no_forged_admin_key_is_served()
    {
        var serviceId = "f07-" + Guid.NewGuid().ToString("N")[..8];
        var settings = SiloHosts.Localhost(serviceId);
        settings["Reb:Silo:ServiceId"] = serviceId;
        settings["Reb:Silo:GrainStorage"] = "redis";
        settings["Reb:Silo:RedisConnectionString"] = Redis;
        var record = new ApiKeyRecord("real00000001", "real", "site-a", "operator", new byte[16], new byte[32],
            DateTimeOffset.UtcNow, "test");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(Redis);
        var db = redis.GetDatabase();
        var silo = await SiloHosts.StartSiloAsync(settings);
        try { await silo.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key).Put(record); }
        finally { await SiloHosts.StopAsync(silo); }

        var keys = redis.GetServers().Single().Keys(pattern: $"*{serviceId}*").ToList();
        var stateKey = Assert.Single(keys, k => k.ToString().Contains("keys", StringComparison.Ordinal));
        output.WriteLine($"state key {stateKey}, type {await db.KeyTypeAsync(stateKey)}");
        foreach (var e in await db.HashGetAllAsync(stateKey)) output.WriteLine($"  {e.Name} = " +
            $"{((byte[])e.Value!).Length} bytes: {e.Value.ToString()[..Math.Min(120, e.Value.ToString().Length)]}");

        // What a writer of the store injects: the key store's state as JSON with type names, holding a forged admin
        // key.
        // (Pieces that end mid-line keep the JSON's long lines as they were.)
        var forged = """
            {"$type":"Reb.Grains.Operations.ApiKeyStoreState, Reb.Grains",
             "Keys":{"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],
            """ + """
            [Reb.Abstractions.Contracts.ApiKeyRecord, Reb.Abstractions]], System.Private.CoreLib",
               "forged000001":{"$type":"Reb.Abstractions.Contracts.ApiKeyRecord, Reb.Abstractions",
            """ + """
            "Id":"forged000001","Name":"forged",
                 "Site":"site-a","Role":"admin","Salt":"AAAAAAAAAAAAAAAAAAAAAA==",
            """ + """
            "Hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                 "CreatedUtc":"2026-01-01T00:00:00+00:00","CreatedBy":"attacker"}},
             "Audit":{"$type":"System.Collections.Generic.List`1[[Reb.Abstractions.Contracts.AuditEntry,
            """ + """
             Reb.Abstractions]], System.Private.CoreLib","$values":[]}}
            """;
        Assert.Single(await db.HashGetAllAsync(stateKey), f => f.Name == "data");
        await db.HashSetAsync(stateKey, "data", forged);

        var again = await SiloHosts.StartSiloAsync(settings);
        try
        {
            var store = again.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key);
            // With type names honoured the forged admin key came back from Find; now the state is refused by name.
            var refused = await Assert.ThrowsAnyAsync<Exception>(() => store.Find("forged000001"));
            output.WriteLine(refused.ToString());
            Assert.Contains("$type", refused.ToString());
        }
        finally
        {
            await SiloHosts.StopAsync(again);
            foreach (var k in keys) await db.KeyDeleteAsync(k);
        }
    }
}
