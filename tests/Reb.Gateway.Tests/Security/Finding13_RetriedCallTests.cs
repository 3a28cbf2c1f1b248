using System.Net;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Round-one residuals of retried calls: the gateway retries a grain call whose reply was lost, and the retry used to
/// do the work again: a second threshold audit entry, a false "key-replace" for a created key, a 404 for a revoke
/// that had succeeded. The reply is lost by a grain call filter after the real call ran.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding13_RetriedCallTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_threshold_change_whose_reply_is_lost_is_audited_once()
    {
        const string line = "f13-threshold-once";
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        gateway.LostReplies.Arm(nameof(ILineOperationsGrain.SetThreshold));
        try
        {
            using var r =
                await engineer.PutAsync($"api/lines/{line}/threshold", SecurityHelpers.Json("{\"threshold\": 1.25}"));
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        finally { gateway.LostReplies.Disarm(); }
        var audit = await gateway.Grains.GetGrain<ILineOperationsGrain>(line).GetAudit(100);
        var entry = Assert.Single(audit, a => a.Action == "threshold");
        Assert.Equal("1.25", entry.NewValue);
    }

    [Fact]
    public async Task A_key_creation_whose_reply_is_lost_logs_no_key_replace()
    {
        using var admin = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin));
        gateway.LostReplies.Arm(nameof(IApiKeyStoreGrain.Put));
        string id;
        try
        {
            using var created = await admin.PostAsync("api/keys",
                SecurityHelpers.Json("{\"name\":\"f13-retried\",\"role\":\"operator\"}"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            id = (await created.ReadJson()).GetProperty("id").GetString()!;
        }
        finally { gateway.LostReplies.Disarm(); }
        var audit = (await (await admin.GetAsync("api/keys/audit?take=1000")).ReadJson()).EnumerateArray()
            .Where(a => a.GetProperty("newValue").GetString()?.StartsWith(id) == true).ToList();
        Assert.Equal("key-create", Assert.Single(audit).GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_revoke_whose_reply_is_lost_answers_204_not_404()
    {
        using var admin = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin));
        using var created =
            await admin.PostAsync("api/keys", SecurityHelpers.Json("{\"name\":\"f13-revoked\",\"role\":\"operator\"}"));
        var body = await created.ReadJson();
        var (id, key) = (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
        gateway.LostReplies.Arm(nameof(IApiKeyStoreGrain.Revoke));
        try
        {
            using var revoked = await admin.DeleteAsync($"api/keys/{id}");
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }
        finally { gateway.LostReplies.Disarm(); }
        using var op = gateway.Client(key);
        Assert.Equal(HttpStatusCode.Unauthorized, (await op.GetAsync("api/me")).StatusCode);
        var revokes = (await (await admin.GetAsync("api/keys/audit?take=1000")).ReadJson()).EnumerateArray()
            .Where(a => a.GetProperty("action").GetString() == "key-revoke" && a.GetProperty("oldValue")
                .GetString()!.StartsWith(id));
        Assert.Single(revokes);
    }
}

/// <summary>
/// A torn grain-state file stopped the API key grain from activating: every request with a key failed (a total
/// authentication outage). The file is refused by name, set aside, and the last good copy serves.
/// </summary>
public sealed class Finding13_TornStateFileTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-finding13-").FullName;

    [Fact]
    public async Task A_torn_api_key_state_file_is_set_aside_and_keys_still_authenticate()
    {
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        string key;
        await using (var first = await DurableGateway.Start(settings))
        {
            using var adminClient = first.Client(admin);
            using var created = await adminClient.PostAsync("api/keys",
                SecurityHelpers.Json("{\"name\":\"line-pc\",\"role\":\"operator\"}"));
            key = (await created.ReadJson()).GetProperty("key").GetString()!;
        }
        var file = Directory.GetFiles(Path.Combine(settings["Reb:Silo:GrainStorageFolder"]!, "api-keys"), "*.bin")
            .Single();
        var bytes = await File.ReadAllBytesAsync(file);
        // torn: the second half never reached the disk
        await File.WriteAllBytesAsync(file, bytes[..(bytes.Length / 2)]);

        await using var second = await DurableGateway.Start(settings);
        using var op = second.Client(key);
        Assert.Equal(HttpStatusCode.OK, (await op.GetAsync("api/me")).StatusCode);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!, Path.GetFileName(file) + ".refused-*"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
