using Microsoft.Extensions.DependencyInjection;
using Reb.Cluster.Tests.TestSupport;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Placement;

/// <summary>The silo's model cache: one folder per silo that outlives the silo, bounded by bytes, least recently used
/// version out first.</summary>
[Collection(PcbModelCollection.Name)]
public sealed class SiloModelCacheTests(PcbModelFixture model)
{
    [Fact]
    public async Task
        The_cache_keeps_one_folder_per_silo_port_and_removes_the_least_recently_used_version_beyond_its_limit()
    {
        var root = Directory.CreateTempSubdirectory("reb-model-cache-").FullName;
        long modelBytes = Directory.EnumerateFiles(model.ModelDir, "*", SearchOption.AllDirectories)
            .Sum(f => new FileInfo(f).Length);
        int limitMb = (int)Math.Ceiling(1.5 * modelBytes / (1 << 20)); // room for one version, not two
        string folder;
        await using (var cluster = await RebTestCluster.StartAsync(1, model.ArtefactRoot, new RebTestClusterOptions
        {
            CacheRoot = root,
            CacheMaxMb = limitMb
        }))
        {
            var silo = cluster.Silos[0];
            var cache = silo.SiloHost.Services.GetRequiredService<SiloModelCache>();
            folder = Path.Combine(root, $"silo-{silo.SiloAddress.Endpoint.Port}");
            Assert.Equal(folder, cache.CacheRoot);

            await cache.GetAsync(model.Version);
            Assert.True(Directory.Exists(Path.Combine(folder, model.Version)));
            await cache.GetAsync(model.SecondVersion); // two do not fit: the first, used longest ago, goes
            Assert.False(Directory.Exists(Path.Combine(folder, model.Version)),
                "the least recently used version is still cached");
            Assert.True(Directory.Exists(Path.Combine(folder, model.SecondVersion)));

            // Asked for again, it is fetched again (and now the second version goes).
            var again = await cache.GetAsync(model.Version);
            Assert.True(Directory.Exists(again.Directory));
            Assert.False(Directory.Exists(Path.Combine(folder, model.SecondVersion)));
        }
        // The folder outlives the silo: a silo restarted on the same port finds its verified copy again.
        Assert.True(Directory.Exists(Path.Combine(folder, model.Version)),
            "the cache folder was removed with the silo");
        Directory.Delete(root, recursive: true);
    }
}
