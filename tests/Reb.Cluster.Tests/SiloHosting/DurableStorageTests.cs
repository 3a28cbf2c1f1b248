using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Silo;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// Grain storage is durable by default: with memory storage a restarted silo lost API keys, audit and line ownership
/// (a line whose ownership was lost fell to the default site). The folder provider is the default now.
/// </summary>
public sealed class DurableStorageTests : IDisposable
{
    private readonly string _folder = TestCertificates.TempFolder("state");

    [Fact]
    public void Default_grain_storage_is_the_folder_provider_in_code_and_in_appsettings()
    {
        Assert.Equal("folder", new SiloHostOptions().GrainStorage);
        var appsettings = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json"));
        Assert.Contains("\"GrainStorage\": \"folder\"", appsettings);
    }

    [Fact]
    public async Task A_key_written_before_a_restart_is_still_there_after_it()
    {
        // No Reb:Silo:GrainStorage at all: the default must be durable.
        var settings = SiloHosts.Localhost("durable-" + Guid.NewGuid().ToString("N")[..8]);
        settings["Reb:Silo:GrainStorageFolder"] = _folder;
        var record = new ApiKeyRecord("durable1", "kept", "site-a", "admin", new byte[16], new byte[32],
            DateTimeOffset.UtcNow, "test");

        var first = await SiloHosts.StartSiloAsync(settings);
        try { await first.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key).Put(record); }
        finally { await SiloHosts.StopAsync(first); }

        var second = await SiloHosts.StartSiloAsync(settings);
        try
        {
            var found = await second.Grains().GetGrain<IApiKeyStoreGrain>(IApiKeyStoreGrain.Key).Find("durable1");
            Assert.NotNull(found);
            Assert.Equal("site-a", found.Site);
        }
        finally { await SiloHosts.StopAsync(second); }
        Assert.NotEmpty(Directory.GetFiles(_folder, "*.bin", SearchOption.AllDirectories));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, true); } catch (IOException) { }
    }
}
