using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// A dashboard test with keys of its own (operator and engineer at site A): the per-key rate limit is not shared with
/// the collection's other tests (a test that inspected a few hundred parts with a shared key left the next test's
/// sign-in a 429).
/// </summary>
public abstract class BrowserTest(GatewayFixture gateway) : IAsyncLifetime
{
    /// <summary>The fixture, for the tests (a primary constructor parameter of theirs would capture a second copy).
    /// </summary>
    protected GatewayFixture Gateway { get; } = gateway;

    protected string Operator { get; private set; } = "";
    protected string Engineer { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Operator = await Gateway.NewKeyAsync(GatewayFixture.SiteA, "operator");
        Engineer = await Gateway.NewKeyAsync(GatewayFixture.SiteA, "engineer");
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
