using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;
using Reb.Grains.Operations;
using Reb.Silo;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Finding 7, second half: key records in the state store were not signed, so whoever could write the store could
/// raise an operator key to admin or put in an admin key of their own (salt and hash of a secret they chose). Records
/// are now signed by the gateways with a secret the store never holds, and a record that fails the check authenticates
/// nobody. The attack edits the real folder provider's state file between two starts of a real silo and gateway, with
/// Orleans' own serializer, as a writer of the store would.
/// </summary>
public sealed class Finding07_ForgedKeyRecordTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-finding07-").FullName;

    [Fact]
    public async Task A_key_record_raised_to_admin_or_forged_in_the_state_store_authenticates_nobody()
    {
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        var (operatorKey, operatorId) = await CreateKeyAsync(settings, admin, Roles.Operator);

        // The attacker's own admin key: a secret they chose, stored as the gateway would store it, unsigned or with a
        // made-up signature.
        var (forgedKey, forgedId, forgedSecret) = ApiKeyFormat.Generate();
        var (otherKey, otherId, otherSecret) = ApiKeyFormat.Generate();
        EditKeyStore(state =>
        {
            state.Keys[operatorId] = state.Keys[operatorId] with { Role = Roles.Admin };
            state.Keys[forgedId] = Forged(forgedId, forgedSecret);
            state.Keys[otherId] = Forged(otherId, otherSecret) with { Signature = new byte[32] };
        });

        await using var again = await DurableGateway.Start(settings);
        foreach (var key in new[] { operatorKey, forgedKey, otherKey })
        {
            using var client = again.Client(key);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/me")).StatusCode);
            using var create = await client.PostAsync("api/keys",
                SecurityHelpers.Json("{\"name\":\"backdoor\",\"role\":\"admin\"}"));
            Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        }
        // The site's admin sees the refused records and can revoke them.
        using var adminClient = again.Client(admin);
        var listed = (await (await adminClient.GetAsync("api/keys")).ReadJson()).EnumerateArray()
            .ToDictionary(k => k.GetProperty("id").GetString()!, k => k.GetProperty("refused").GetBoolean());
        Assert.True(listed[operatorId] && listed[forgedId] && listed[otherId]);
        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync($"api/keys/{forgedId}")).StatusCode);
    }

    [Fact]
    public async Task Keys_stored_before_signing_are_refused_until_signed_once_and_a_wrong_signature_never_is()
    {
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        settings["Reb:Gateway:KeyRecordSigningKey"] = null; // a cluster from before signing
        var (oldKey, oldId) = await CreateKeyAsync(settings, admin, Roles.Engineer);
        var (tamperedKey, tamperedId, tamperedSecret) = ApiKeyFormat.Generate();
        EditKeyStore(state => state.Keys[tamperedId] = Forged(tamperedId, tamperedSecret) with
        {
            Signature = new byte[32],
        });

        settings["Reb:Gateway:KeyRecordSigningKey"] = DurableGateway.NewSigningKey();
        await using (var signedCluster = await DurableGateway.Start(settings))
        {
            using var client = signedCluster.Client(oldKey);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/me")).StatusCode);
        }

        settings["Reb:Gateway:SignUnsignedKeyRecords"] = "true";
        await using (var migrating = await DurableGateway.Start(settings))
        {
            using var client = migrating.Client(oldKey);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/me")).StatusCode);
            using var adminClient = migrating.Client(admin);
            var audit = (await (await adminClient.GetAsync("api/keys/audit")).ReadJson()).EnumerateArray()
                .Select(a => a.GetProperty("action").GetString()).ToList();
            Assert.Equal(1, audit.Count(a => a == "key-sign"));
        }

        settings["Reb:Gateway:SignUnsignedKeyRecords"] = null;
        await using var after = await DurableGateway.Start(settings);
        using (var client = after.Client(oldKey))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/me")).StatusCode);
        using (var client = after.Client(tamperedKey))
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/me")).StatusCode);
        Assert.NotEqual(oldId, tamperedId);
    }

    /// <summary>
    /// Rotating the signing secret: with the new secret set and the old one as the previous, keys signed with the old
    /// one keep working and are re-signed at start. A key that a silo not yet restarted signs with the old secret in
    /// the meantime works too, and the next start re-signs it. Once the old secret is removed all of them still work,
    /// and a record signed with the retired secret (leaked, say) or with any other opens nothing.
    /// </summary>
    [Fact]
    public async Task A_rotated_signing_secret_keeps_existing_keys_working_and_retires_the_old_one()
    {
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        var oldSigner = new KeyRecordSigner(settings["Reb:Gateway:KeyRecordSigningKey"]!);
        var (key, _) = await CreateKeyAsync(settings, admin, Roles.Engineer);
        var (strayKey, strayId, straySecret) = ApiKeyFormat.Generate();
        var otherSigner = new KeyRecordSigner(DurableGateway.NewSigningKey());
        var (lateKey, lateId, lateSecret) = ApiKeyFormat.Generate();
        EditKeyStore(state => state.Keys[strayId] = otherSigner.Sign(Forged(strayId, straySecret)));

        settings["Reb:Gateway:PreviousKeyRecordSigningKey"] = settings["Reb:Gateway:KeyRecordSigningKey"];
        settings["Reb:Gateway:KeyRecordSigningKey"] = DurableGateway.NewSigningKey();
        await using (var rotating = await DurableGateway.Start(settings))
        {
            using (var client = rotating.Client(key))
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/me")).StatusCode);
            using (var client = rotating.Client(strayKey))
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/me")).StatusCode);
            Assert.Equal(1, await CountAuditedAsync(rotating, admin, "key-resign"));
            // A silo still on the old secret alone creates a key: signed with the old secret, stored as it is.
            var late = oldSigner.Sign(Forged(lateId, lateSecret) with { Role = Roles.Operator, CreatedBy = "silo-2" });
            await rotating.Grains.GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key).Put(late);
            using (var client = rotating.Client(lateKey))
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/me")).StatusCode);
        }
        // That silo's own start with the new secret (here: this one's again) re-signs what it wrote.
        await using (var next = await DurableGateway.Start(settings))
            Assert.Equal(2, await CountAuditedAsync(next, admin, "key-resign"));

        settings["Reb:Gateway:PreviousKeyRecordSigningKey"] = null;
        await using (var after = await DurableGateway.Start(settings))
        {
            foreach (var working in new[] { key, lateKey })
                using (var client = after.Client(working))
                    Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/me")).StatusCode);
            using (var client = after.Client(strayKey))
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/me")).StatusCode);
        }

        var (leakedKey, leakedId, leakedSecret) = ApiKeyFormat.Generate();
        EditKeyStore(state => state.Keys[leakedId] = oldSigner.Sign(Forged(leakedId, leakedSecret)));
        await using var retired = await DurableGateway.Start(settings);
        using (var client = retired.Client(leakedKey))
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/me")).StatusCode);
        using (var client = retired.Client(key))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/me")).StatusCode);
    }

    [Theory]
    [InlineData("Production", "redis", true)]
    [InlineData("Production", "adonet", true)]
    [InlineData("Production", "localhost", false)]
    [InlineData("Development", "redis", false)]
    public void A_gateway_in_a_shared_cluster_does_not_start_without_a_signing_key(string environment,
        string clustering, bool refused)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection([new("Reb:Silo:Clustering", clustering)]);
        var start = () => KeyRecordSigningSettings.Apply(configuration, environment);
        if (!refused) { start(); return; }
        var error = Assert.Throws<InvalidOperationException>(start);
        Assert.Contains("Reb:Gateway:KeyRecordSigningKey", error.Message);

        // From a mounted file it starts; a placeholder there is refused by the placeholder check.
        var file = Path.Combine(_work, "signing-key");
        File.WriteAllText(file, DurableGateway.NewSigningKey() + "\n");
        configuration.AddInMemoryCollection([new("Reb:Gateway:KeyRecordSigningKeyFile", file)]);
        KeyRecordSigningSettings.Apply(configuration, environment);
        Assert.Equal(64, configuration["Reb:Gateway:KeyRecordSigningKey"]!.Length);
        File.WriteAllText(file, "REPLACE_ME_SIGNING_KEY_0123456789abcdef");
        KeyRecordSigningSettings.Apply(configuration, environment);
        Assert.Contains("KeyRecordSigningKey", Assert.Throws<InvalidOperationException>(
            () => PlaceholderSecrets.Check(configuration, environment)).Message);
    }

    private static async Task<int> CountAuditedAsync(DurableGateway gateway, string admin, string action)
    {
        using var adminClient = gateway.Client(admin);
        return (await (await adminClient.GetAsync("api/keys/audit")).ReadJson()).EnumerateArray()
            .Count(a => a.GetProperty("action").GetString() == action);
    }

    private static ApiKeyRecord Forged(string id, string secret)
    {
        var salt = ApiKeyHasher.NewSalt();
        return new ApiKeyRecord(id, "attacker", Sites.Default, Roles.Admin, salt, ApiKeyHasher.Hash(secret, salt),
            DateTimeOffset.UtcNow, "attacker");
    }

    private static async Task<(string Key, string Id)> CreateKeyAsync(Dictionary<string, string?> settings,
        string admin, string role)
    {
        await using var gateway = await DurableGateway.Start(settings);
        using var adminClient = gateway.Client(admin);
        using var created = await adminClient.PostAsync("api/keys",
            SecurityHelpers.Json($"{{\"name\":\"line-pc\",\"role\":\"{role}\"}}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadJson();
        var key = body.GetProperty("key").GetString()!;
        using (var client = gateway.Client(key))
            Assert.Equal(role, (await (await client.GetAsync("api/me")).ReadJson()).GetProperty("role").GetString());
        return (key, body.GetProperty("id").GetString()!);
    }

    /// <summary>What a writer of the state store does while the silo is down: read the key store's state file with
    /// Orleans' serializer, change it, write it back (and its good copy).</summary>
    private void EditKeyStore(Action<ApiKeyStoreState> change)
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(ApiKeyStoreState).Assembly)
            .AddAssembly(typeof(ApiKeyRecord).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var file = Assert.Single(Directory.GetFiles(Path.Combine(_work, "grain-state", "api-keys"), "*.bin"));
        var state = serializer.Deserialize<ApiKeyStoreState>(File.ReadAllBytes(file))!;
        change(state);
        var bytes = serializer.SerializeToArray(state);
        File.WriteAllBytes(file, bytes);
        File.WriteAllBytes(file + ".good", bytes);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
