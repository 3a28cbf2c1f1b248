using System.Net;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// The failed-authentication limiter was keyed by the connection's address only: behind an ingress every plant
/// shares that address, so one stale client with an old key locked every plant out. Now it counts per client address
/// (from X-Forwarded-For, only when the connection comes from a configured trusted proxy) and presented key id.
/// </summary>
public sealed class Finding08_FailedAuthBehindIngressTests : IDisposable
{
    private const int Limit = 5;
    private readonly string _work = Directory.CreateTempSubdirectory("reb-finding08-").FullName;

    private static HttpRequestMessage Me(string key, string? forwardedFor)
    {
        var r = new HttpRequestMessage(HttpMethod.Get, "api/me");
        r.Headers.Add("X-Api-Key", key);
        if (forwardedFor is not null) r.Headers.Add("X-Forwarded-For", forwardedFor);
        return r;
    }

    [Fact]
    public async Task A_stale_client_behind_the_ingress_does_not_lock_out_another_plant_or_another_key()
    {
        var admin = DurableGateway.NewAdminKey();
        var settings = DurableGateway.Settings(_work, admin);
        settings["Reb:Gateway:FailedAuthPerMinute"] = Limit.ToString();
        settings["Reb:Gateway:TrustedProxies:0"] = "127.0.0.1"; // the "ingress": this test's own connections
        await using var gateway = await DurableGateway.Start(settings);
        using var adminClient = gateway.Client(admin);
        async Task<string> NewKey(string name)
        {
            using var r = await adminClient.PostAsync("api/keys",
                SecurityHelpers.Json($"{{\"name\":\"{name}\",\"role\":\"operator\"}}"));
            return (await r.ReadJson()).GetProperty("key").GetString()!;
        }
        var plantA = await NewKey("plant-a");
        var plantASecond = await NewKey("plant-a-second");
        var plantB = await NewKey("plant-b");
        var stale = DurableGateway.NewAdminKey(); // an old key that no longer exists

        using var ingress = gateway.Client(null);
        for (int i = 0; i < Limit; i++)
            using (var r = await ingress.SendAsync(Me(stale, "10.1.0.7")))
                Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using (var r = await ingress.SendAsync(Me(stale, "10.1.0.7"))) await r.AssertProblem(429);

        // Another plant behind the same ingress, and another key of the stale client's own plant, still get in.
        using (var r = await ingress.SendAsync(Me(plantB, "10.2.0.9"))) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await ingress.SendAsync(Me(plantASecond, "10.1.0.7")))
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await ingress.SendAsync(Me(plantA, "10.1.0.8"))) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task A_client_that_is_not_a_trusted_proxy_cannot_escape_the_limit_with_forged_forwarded_addresses()
    {
        var settings = DurableGateway.Settings(_work, DurableGateway.NewAdminKey());
        settings["Reb:Gateway:FailedAuthPerMinute"] = Limit.ToString();
        settings["Reb:Gateway:TrustedProxies:0"] = "127.0.0.1";
        await using var gateway = await DurableGateway.Start(settings);
        var guessed = DurableGateway.NewAdminKey();
        using var direct = gateway.ClientFrom(IPAddress.Parse("127.0.0.3")); // not the trusted ingress
        for (int i = 0; i < Limit; i++)
            using (var r = await direct.SendAsync(Me(guessed, $"10.9.0.{i + 1}")))
                Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        using (var r = await direct.SendAsync(Me(guessed, "10.9.0.200"))) await r.AssertProblem(429);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
