using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reb.Storage;
using Reb.Grains.Hosting;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Hosting;

/// <summary>The grains' one artefact store comes from "Reb:ArtefactStore"; bad settings are refused by name.</summary>
public sealed class ArtefactStoreConfigurationTests
{
    private static ArtefactStoreSettings Bind(Dictionary<string, string?> values)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.Configure<RebOptions>(config.GetSection(RebOptions.Section));
        return services.BuildServiceProvider().GetRequiredService<IOptions<RebOptions>>().Value.ArtefactStore;
    }

    [Fact]
    public void Local_kind_builds_a_folder_store_at_the_configured_root()
    {
        var root = Path.Combine(Path.GetTempPath(), $"reb-store-config-{Guid.NewGuid():N}");
        var settings = Bind(new() { ["Reb:ArtefactStore:Kind"] = "LOCAL", ["Reb:ArtefactStore:Root"] = root });
        var store = Assert.IsType<LocalFolderArtefactStore>(ArtefactStoreFactory.Create(settings,
            ModelDirectoryFormat.Instance));
        Assert.Equal(Path.GetFullPath(root), store.RootDir);
    }

    [Fact]
    public void Azure_kind_builds_a_blob_store_on_the_configured_container()
    {
        var settings = Bind(new()
        {
            ["Reb:ArtefactStore:Kind"] = "azureblob",
            ["Reb:ArtefactStore:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Reb:ArtefactStore:Container"] = "plant-a",
        });
        var store =
            Assert.IsType<AzureBlobArtefactStore>(ArtefactStoreFactory.Create(settings, ModelDirectoryFormat.Instance));
        Assert.Contains("plant-a", store.Description);
    }

    [Theory]
    [InlineData("ftp", null, "Kind")]
    [InlineData("azureblob", null, "ConnectionString")]
    public void Bad_settings_are_refused_with_the_setting_named(string kind, string? connection, string named)
    {
        var settings = Bind(new()
        {
            ["Reb:ArtefactStore:Kind"] = kind,
            ["Reb:ArtefactStore:ConnectionString"] = connection
        });
        var e = Assert.Throws<ArgumentException>(() => ArtefactStoreFactory.Create(settings,
            ModelDirectoryFormat.Instance));
        Assert.Contains($"Reb:ArtefactStore:{named}", e.Message);
    }
}
