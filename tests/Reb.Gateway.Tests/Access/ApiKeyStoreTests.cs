using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Access;

/// <summary>Keys: created once-shown, stored as salted hashes only, revocable; bootstrap key never stored.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ApiKeyStoreTests(GatewayFixture gateway)
{
    private IApiKeyStoreGrain Store => gateway.Grains.GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key);

    [Fact]
    public async Task Created_key_works_is_stored_only_as_a_salted_hash_and_stops_working_when_revoked()
    {
        using var admin = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Admin));
        var created = await (await admin.PostAsJsonAsync("api/keys",
            new { name = "line-3 tablet", role = Roles.Engineer })).ReadJson();
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        Assert.True(ApiKeyFormat.TryParse(key, out var parsedId, out var secret));
        Assert.Equal(id, parsedId);

        // The store holds no trace of the key or its secret: not as text, not as bytes.
        var record = await Store.Find(id);
        Assert.NotNull(record);
        Assert.Equal(GatewayFixture.SiteA, record.Site);
        Assert.Equal(Roles.Engineer, record.Role);
        var everything = JsonSerializer.Serialize(await Store.List(GatewayFixture.SiteA));
        Assert.DoesNotContain(secret, everything);
        Assert.DoesNotContain(key, everything);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), everything);
        Assert.False(record.Hash.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(secret)));
        Assert.True(ApiKeyHasher.Verify(secret, record.Salt, record.Hash));

        // Listing shows it without secrets; the key authenticates with both header forms.
        var listed = await (await admin.GetAsync("api/keys")).Content.ReadAsStringAsync();
        Assert.Contains(id, listed);
        Assert.DoesNotContain(secret, listed);
        using (var k = gateway.Client(key))
            Assert.Equal("line-3 tablet",
                (await (await k.GetAsync("api/me")).ReadJson()).GetProperty("name").GetString());
        using (var k = gateway.Client())
        {
            k.DefaultRequestHeaders.Authorization =
                new System.Net.Http.Headers.AuthenticationHeaderValue("ApiKey", key);
            Assert.Equal(HttpStatusCode.OK, (await k.GetAsync("api/me")).StatusCode);
        }

        // Another site's admin cannot revoke it; its own site's admin can, and then it is refused.
        using (var otherAdmin = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin)))
            await (await otherAdmin.DeleteAsync($"api/keys/{id}")).AssertProblem(404);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/keys/{id}")).StatusCode);
        Assert.Null(await Store.Find(id));
        using (var k = gateway.Client(key))
            await (await k.GetAsync("api/me")).AssertProblem(401);
    }

    [Fact]
    public void Same_secret_gives_different_hashes_with_different_salts_and_both_verify()
    {
        const string secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        byte[] salt1 = ApiKeyHasher.NewSalt(), salt2 = ApiKeyHasher.NewSalt();
        Assert.False(salt1.AsSpan().SequenceEqual(salt2));
        var h1 = ApiKeyHasher.Hash(secret, salt1);
        var h2 = ApiKeyHasher.Hash(secret, salt2);
        Assert.False(h1.AsSpan().SequenceEqual(h2));
        Assert.True(ApiKeyHasher.Verify(secret, salt1, h1));
        Assert.True(ApiKeyHasher.Verify(secret, salt2, h2));
        Assert.False(ApiKeyHasher.Verify(secret[..^1] + "0", salt1, h1));
    }

    [Fact]
    public async Task Two_stored_keys_with_the_same_secret_text_have_different_hashes()
    {
        const string secret = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
        var records = new List<ApiKeyRecord>();
        var keys = gateway.Services.GetRequiredService<ApiKeyService>();
        foreach (var id in new[] { "aaaaaaaaaaa1", "aaaaaaaaaaa2" })
        {
            var salt = ApiKeyHasher.NewSalt();
            var r = new ApiKeyRecord(id, "same-secret", "site-hash-test", Roles.Operator, salt,
                ApiKeyHasher.Hash(secret, salt), DateTimeOffset.UtcNow, "test");
            await Store.Put(keys.Signer!.Sign(r));
            records.Add((await Store.Find(id))!);
        }
        Assert.False(records[0].Hash.AsSpan().SequenceEqual(records[1].Hash));
        Assert.DoesNotContain(secret, JsonSerializer.Serialize(records));
        Assert.Equal("site-hash-test", (await keys.AuthenticateAsync($"reb_aaaaaaaaaaa1_{secret}"))?.Site);
        Assert.NotNull(await keys.AuthenticateAsync($"reb_aaaaaaaaaaa2_{secret}"));
        foreach (var r in records) await Store.Revoke(r.Id);
    }

    [Fact]
    public async Task Bootstrap_admin_key_from_configuration_authenticates_and_is_never_stored()
    {
        var (key, id, _) = ApiKeyFormat.Generate();
        var service = new ApiKeyService(gateway.Grains, new RebClusterClient(gateway.Grains),
            Options.Create(new GatewayOptions { BootstrapAdminKey = key, DefaultSite = "site-bootstrap" }),
            NullLogger<ApiKeyService>.Instance);
        var caller = await service.AuthenticateAsync(key);
        Assert.NotNull(caller);
        Assert.Equal(Roles.Admin, caller.Role);
        Assert.Equal("site-bootstrap", caller.Site);
        Assert.Null(await service.AuthenticateAsync(key[..^1] + (key[^1] == '0' ? "1" : "0")));
        Assert.Null(await Store.Find(id));
        Assert.Empty(await Store.List("site-bootstrap"));
        Assert.Throws<ArgumentException>(() => new ApiKeyService(gateway.Grains, new RebClusterClient(gateway.Grains),
            Options.Create(new GatewayOptions { BootstrapAdminKey = "admin" }), NullLogger<ApiKeyService>.Instance));
    }
}
