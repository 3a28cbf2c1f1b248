using System.Net;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// State changed in memory, then written, never rolled back, while the gateway retries: a revoke whose first write
/// failed answered 404 on its retry and the key worked again after a restart; a claim whose write failed was taken
/// for done by its retry and lost after a restart; a failed promote or roll back was served as current although
/// storage still named the old version. The real folder provider keeps the state; a wrapper fails chosen writes.
/// </summary>
public sealed class Finding03_StateWriteFailureTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-finding03-").FullName;

    [Fact]
    public async Task A_revoke_whose_first_write_fails_is_retried_to_204_and_the_key_stays_revoked_after_a_restart()
    {
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        string key, id;
        await using (var first = await DurableGateway.Start(settings))
        {
            using var adminClient = first.Client(admin);
            using var created = await adminClient.PostAsync("api/keys",
                SecurityHelpers.Json("{\"name\":\"line-pc\",\"role\":\"operator\"}"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var body = await created.ReadJson();
            (key, id) = (body.GetProperty("key").GetString()!, body.GetProperty("id").GetString()!);
            using (var op = first.Client(key))
                Assert.Equal(HttpStatusCode.OK, (await op.GetAsync("api/me")).StatusCode);

            first.Faults.FailNextWrites("api-keys"); // a transient store error on the revoke's write
            using var revoked = await adminClient.DeleteAsync($"api/keys/{id}");
            Assert.Equal(1, first.Faults.Injected);
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode); // the gateway's retry revoked it, no 404
            using (var op = first.Client(key))
                Assert.Equal(HttpStatusCode.Unauthorized, (await op.GetAsync("api/me")).StatusCode);
        }
        await using (var second = await DurableGateway.Start(settings))
        {
            using var op = second.Client(key);
            Assert.Equal(HttpStatusCode.Unauthorized, (await op.GetAsync("api/me")).StatusCode);
            using var adminClient = second.Client(admin);
            var audit = (await (await adminClient.GetAsync("api/keys/audit")).ReadJson()).EnumerateArray().ToList();
            Assert.Single(audit, a => a.GetProperty("action").GetString() == "key-revoke");
        }
    }

    [Fact]
    public async Task A_revoke_whose_write_landed_but_timed_out_answers_204_on_its_retry()
    {
        var admin = DurableGateway.NewAdminKey();
        await using var gateway = await DurableGateway.Start(DurableGateway.Settings(_work, admin));
        using var adminClient = gateway.Client(admin);
        using var created = await adminClient.PostAsync("api/keys",
            SecurityHelpers.Json("{\"name\":\"line-pc\",\"role\":\"operator\"}"));
        var id = (await created.ReadJson()).GetProperty("id").GetString()!;
        gateway.Faults.FailNextWrites("api-keys", afterWrite: true);
        using var revoked = await adminClient.DeleteAsync($"api/keys/{id}");
        Assert.Equal(1, gateway.Faults.Injected);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
    }

    [Fact]
    public async Task A_claim_whose_first_write_fails_is_written_by_its_retry_and_survives_a_restart()
    {
        var settings = DurableGateway.Settings(_work, DurableGateway.NewAdminKey());
        await using (var first = await DurableGateway.Start(settings))
        {
            var ops = first.Grains.GetGrain<ILineOperationsGrain>("claimed-line");
            first.Faults.FailNextWrites("line-ops");
            await Assert.ThrowsAnyAsync<Exception>(() => ops.Claim("plant-7"));
            Assert.Null((await ops.GetSettings()).Site); // not visible: storage does not hold it
            Assert.Equal("plant-7", (await ops.Claim("plant-7")).Site); // the caller's retry
        }
        await using (var second = await DurableGateway.Start(settings))
            Assert.Equal("plant-7",
                (await second.Grains.GetGrain<ILineOperationsGrain>("claimed-line").GetSettings()).Site);
    }

    [Fact]
    public async Task A_promote_or_roll_back_whose_write_fails_is_not_served_and_a_restart_agrees()
    {
        var settings = DurableGateway.Settings(_work, DurableGateway.NewAdminKey());
        var (a, b) = await TinyModels.PublishTwoAsync(settings["Reb:ArtefactStore:Root"]!, _work);
        var who = new AuditActor("k1", "engineer", Sites.Default, "engineer");
        await using (var first = await DurableGateway.Start(settings))
        {
            var line = first.Grains.GetGrain<IProductLineGrain>("durable-line");
            await line.RegisterVersion(a);
            await line.RegisterVersion(b);
            first.Faults.FailNextWrites("line");
            await Assert.ThrowsAnyAsync<Exception>(() => line.Promote(b, who));
            Assert.Equal(a, (await line.GetStatus()).Current);

            await line.Promote(b, who);
            first.Faults.FailNextWrites("line");
            await Assert.ThrowsAnyAsync<Exception>(() => line.RollBack(who));
            Assert.Equal(b, (await line.GetStatus()).Current);
            Assert.Equal([a], (await line.GetStatus()).Previous);
        }
        await using (var second = await DurableGateway.Start(settings))
        {
            var status = await second.Grains.GetGrain<IProductLineGrain>("durable-line").GetStatus();
            Assert.Equal(b, status.Current);
            Assert.Equal([a], status.Previous);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
