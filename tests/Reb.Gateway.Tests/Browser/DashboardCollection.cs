using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// The dashboard tests get their own silo + gateway (not the API tests' one): they promote versions and create a
/// training line, which must not surprise API tests that count lines or read the current version.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<GatewayFixture>, ICollectionFixture<ChromiumBrowser>
{
    public const string Name = "Browser: dashboard in chromium against a real silo + gateway";
}
