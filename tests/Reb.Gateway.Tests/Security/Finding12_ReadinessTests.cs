using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Readiness asked one grain, the default site's line directory, which has one activation in the whole cluster:
/// when the silo hosting it froze or was lost, every pod's probe failed together and the Service had no endpoint.
/// Here that grain's calls are held (its silo "frozen"); this silo must stay ready.
/// </summary>
public sealed class Finding12_ReadinessTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-finding12-").FullName;

    [Fact]
    public async Task A_silo_stays_ready_while_the_default_sites_line_directory_does_not_answer()
    {
        var frozen = new FrozenGrains("ILineDirectoryGrain");
        await using var gateway =
            await DurableGateway.Start(DurableGateway.Settings(_work, DurableGateway.NewAdminKey()),
            b => b.Services.AddSingleton<Orleans.IIncomingGrainCallFilter>(frozen));
        try
        {
            using var client = gateway.Client(null);
            using var ready = await client.GetAsync("readyz");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        finally { frozen.Release(); }
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
