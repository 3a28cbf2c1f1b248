using System.Net;
using System.Text;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Access;

/// <summary>Every protected endpoint x every role: allowed from its minimum role up, 403 below, 401 without a valid
/// key.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RoleEndpointMatrixTests(GatewayFixture gateway)
{
    /// <summary>One protected operation, its minimum role, and a request that is harmless when allowed.</summary>
    public sealed record Operation(string Name, string MinRole, HttpMethod Method, string Path,
        Func<GatewayFixture, HttpContent?> Body)
    {
        public override string ToString() => Name;
    }

    private const string L = GatewayFixture.ScratchLine;

    private static HttpContent JsonBody(string json) => new StringContent(json, Encoding.UTF8, "application/json");

    public static readonly IReadOnlyList<Operation> Operations =
    [
        new("me", Roles.Operator, HttpMethod.Get, "api/me", _ => null),
        new("list lines", Roles.Operator, HttpMethod.Get, "api/lines", _ => null),
        new("line detail", Roles.Operator, HttpMethod.Get, $"api/lines/{L}", _ => null),
        new("versions", Roles.Operator, HttpMethod.Get, $"api/lines/{L}/versions", _ => null),
        new("calibration", Roles.Operator, HttpMethod.Get, $"api/lines/{L}/calibration", _ => null),
        new("inspect", Roles.Operator, HttpMethod.Post, $"api/lines/{L}/inspect", _ => Http.Image([])),
        new("inspect batch", Roles.Operator, HttpMethod.Post, $"api/lines/{L}/inspect/batch",
            _ => new MultipartFormDataContent { { new StringContent("x"), "note" } }),
        new("inspections", Roles.Operator, HttpMethod.Get, $"api/lines/{L}/inspections?take=5", _ => null),
        new("overlay", Roles.Operator, HttpMethod.Get, $"api/lines/{L}/inspections/none/overlay.png", _ => null),
        new("audit", Roles.Operator, HttpMethod.Get, $"api/lines/{L}/audit", _ => null),
        new("training progress", Roles.Operator, HttpMethod.Get, "api/training/no-such-job", _ => null),
        new("training events", Roles.Operator, HttpMethod.Get, "api/training/no-such-job/events", _ => null),
        new("promote", Roles.Engineer, HttpMethod.Post, $"api/lines/{L}/promote",
            f => JsonBody($"{{\"version\":\"{f.Version}\"}}")),
        new("rollback", Roles.Engineer, HttpMethod.Post, $"api/lines/{L}/rollback", _ => null),
        new("threshold", Roles.Engineer, HttpMethod.Put, $"api/lines/{L}/threshold",
            _ => JsonBody("{\"threshold\":null}")),
        new("start training", Roles.Engineer, HttpMethod.Post, $"api/lines/{L}/training",
            _ => JsonBody("{\"folder\":\"no/such/folder\"}")),
        new("cancel training", Roles.Engineer, HttpMethod.Delete, "api/training/no-such-job", _ => null),
        new("list keys", Roles.Admin, HttpMethod.Get, "api/keys", _ => null),
        new("create key", Roles.Admin, HttpMethod.Post, "api/keys",
            _ => JsonBody("{\"name\":\"matrix\",\"role\":\"not-a-role\"}")),
        new("revoke key", Roles.Admin, HttpMethod.Delete, "api/keys/000000000000", _ => null),
    ];

    public static IEnumerable<object[]> OperationAndRole() =>
        from op in Operations.Select((o, i) => (o, i)) from role in Roles.All select new object[] { op.i, op.o.Name,
            role };

    public static IEnumerable<object[]> EachOperation() => Operations.Select((o, i) => new object[] { i, o.Name });

    [Theory]
    [MemberData(nameof(OperationAndRole))]
    public async Task Role_is_allowed_exactly_from_the_operations_minimum_role(int index, string name, string role)
    {
        var op = Operations[index];
        using var client = gateway.Client(gateway.Key(GatewayFixture.SiteA, role));
        using var response =
            await client.SendAsync(new HttpRequestMessage(op.Method, op.Path) { Content = op.Body(gateway) });
        var status = (int)response.StatusCode;
        if (Roles.Rank(role) >= Roles.Rank(op.MinRole))
            Assert.True(status is not (401 or 403) && status < 500,
                $"{name} as {role}: expected allowed, got {status}: {await response.Content.ReadAsStringAsync()}");
        else
            await response.AssertProblem(403);
    }

    [Theory]
    [MemberData(nameof(EachOperation))]
    public async Task No_key_is_401(int index, string name)
    {
        var op = Operations[index];
        using var client = gateway.Client();
        using var response =
            await client.SendAsync(new HttpRequestMessage(op.Method, op.Path) { Content = op.Body(gateway) });
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {(int)response.StatusCode}");
        await response.AssertProblem(401);
    }

    [Theory]
    [MemberData(nameof(EachOperation))]
    public async Task Unknown_or_wrong_key_is_401(int index, string name)
    {
        var op = Operations[index];
        // A real key id with a wrong secret, and a key that is not even shaped like one.
        var real = gateway.Key(GatewayFixture.SiteA, Roles.Admin);
        var wrongSecret = real[..^1] + (real[^1] == '0' ? "1" : "0");
        foreach (var bad in new[] { wrongSecret, "not-a-key" })
        {
            using var client = gateway.Client(bad);
            using var response =
                await client.SendAsync(new HttpRequestMessage(op.Method, op.Path) { Content = op.Body(gateway) });
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized,
                $"{name} with '{bad[..8]}...': {(int)response.StatusCode}");
        }
    }
}
