using System.Net;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Failures in the audit trail and in retries: an auto-promote left no audit entry, nor did key creation or
/// revocation; promote's "old" value was read before the change; two roll-backs at once gave a 500; and calls that
/// must not run twice (start training, record an inspection) were retried after a lost reply.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AuditAndRetryTests(GatewayFixture gateway)
{
    private async Task<List<System.Text.Json.JsonElement>> AuditAsync(HttpClient client, string line) =>
        (await (await client.GetAsync($"api/lines/{line}/audit?take=100")).ReadJson()).EnumerateArray().ToList();

    [Fact]
    public async Task Auto_promote_on_registration_is_audited()
    {
        const string line = "sec-audit-auto";
        // registers SecondVersion (first: current), then Version with promote
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var autos = (await AuditAsync(op, line)).Where(a => a.GetProperty("action").GetString() == "auto-promote")
            .ToList();
        Assert.Equal(2, autos.Count);
        Assert.Equal(gateway.SecondVersion, autos[0].GetProperty("oldValue").GetString());
        Assert.Equal(gateway.Version, autos[0].GetProperty("newValue").GetString());
    }

    [Fact]
    public async Task Key_creation_and_revocation_are_audited_for_the_site()
    {
        using var admin = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin));
        using var created =
            await admin.PostAsync("api/keys", SecurityHelpers.Json("{\"name\":\"audited-key\",\"role\":\"operator\"}"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadJson()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/keys/{id}")).StatusCode);
        using var auditResponse = await admin.GetAsync("api/keys/audit");
        Assert.Equal(HttpStatusCode.OK, auditResponse.StatusCode);
        var audit = (await auditResponse.ReadJson()).EnumerateArray().ToList();
        Assert.Equal("key-revoke", audit[0].GetProperty("action").GetString());
        Assert.StartsWith(id, audit[0].GetProperty("oldValue").GetString());
        Assert.Contains("site-b-admin", audit[0].GetProperty("who").GetString());
        Assert.Contains(audit, a => a.GetProperty("action").GetString() == "key-create" && a.GetProperty("newValue")
            .GetString()!.StartsWith(id));
        // no other site's keys
        Assert.All(audit, a => Assert.Equal(GatewayFixture.SiteB, a.GetProperty("site").GetString()));
    }

    [Fact]
    public async Task Concurrent_promotes_audit_a_consistent_chain_of_old_to_new()
    {
        const string line = "sec-audit-chain";
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        for (int round = 0; round < 6; round++)
        {
            var a = engineer.PostAsync($"api/lines/{line}/promote",
                SecurityHelpers.Json($"{{\"version\":\"{gateway.SecondVersion}\"}}"));
            var b = engineer.PostAsync($"api/lines/{line}/promote",
                SecurityHelpers.Json($"{{\"version\":\"{gateway.Version}\"}}"));
            foreach (var r in await Task.WhenAll(a, b)) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        var promotes = (await AuditAsync(engineer, line)).Where(e => e.GetProperty("action").GetString() == "promote")
            .Reverse().ToList();
        Assert.Equal(12, promotes.Count);
        // Each entry's old value is the previous entry's new value: no two entries claim the same starting point.
        for (int i = 1; i < promotes.Count; i++)
            Assert.Equal(promotes[i - 1].GetProperty("newValue").GetString(),
                promotes[i].GetProperty("oldValue").GetString());
    }

    [Fact]
    public async Task Two_concurrent_rollbacks_give_one_success_and_one_409()
    {
        const string line = "sec-rollback-race";
        await gateway.AddLineAsync(GatewayFixture.SiteA, line); // one earlier version to roll back to
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        var both = await Task.WhenAll(engineer.PostAsync($"api/lines/{line}/rollback", null),
            engineer.PostAsync($"api/lines/{line}/rollback", null));
        var statuses = both.Select(r => (int)r.StatusCode).Order().ToList();
        Assert.Equal([200, 409], statuses);
        await both.Single(r => (int)r.StatusCode == 409).AssertProblem(409);
        Assert.Equal(gateway.SecondVersion,
            (await gateway.Grains.GetGrain<IProductLineGrain>(line).GetStatus()).Current);
    }

    [Fact]
    public async Task A_lost_reply_of_record_inspection_does_not_count_the_image_twice()
    {
        const string line = "sec-record-once";
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var image = Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0]));
        gateway.LostReplies.Arm(nameof(IInspectionLogGrain.Record));
        try
        {
            using var r = await op.PostAsync($"api/lines/{line}/inspect", image);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode); // the retry found the record already there
        }
        finally { gateway.LostReplies.Disarm(); }
        var counters = await gateway.Grains.GetGrain<IInspectionLogGrain>(line).Counters();
        Assert.Equal(1, counters.Inspections);
        Assert.Single(await gateway.Grains.GetGrain<IInspectionLogGrain>(line).Latest(10));
    }

    [Fact]
    public async Task A_lost_reply_of_start_training_is_not_retried_into_a_second_job()
    {
        const string site = "sec-start-once", line = "sec-start-once-line";
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        gateway.LostReplies.Arm(nameof(IProductLineGrain.StartTraining));
        try
        {
            using var r = await engineer.PostAsync($"api/lines/{line}/training",
                SecurityHelpers.TrainingUpload(gateway, ("imageSize", "32"), ("promote", "false")));
            await r.AssertProblem(503); // the reply was lost: the caller is told to look, not given a second job
            Assert.Single((await gateway.Grains.GetGrain<IProductLineGrain>(line).GetStatus()).Jobs);
        }
        finally
        {
            gateway.LostReplies.Disarm();
            await SecurityHelpers.CancelJobsAsync(gateway, line);
        }
    }
}
