using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Cluster.Tests.Failures;

/// <summary>Missing or corrupt model versions are refused with a clear error and leave the registry
/// untouched.</summary>
[Collection(PcbModelCollection.Name)]
public sealed class ModelVersionFailureTests(PcbModelFixture model)
{
    [Fact]
    public async Task Missing_and_corrupt_versions_are_refused_and_the_current_version_is_untouched()
    {
        await using var cluster = await RebTestCluster.StartAsync(2, model.ArtefactRoot);
        var line = cluster.Client.GetGrain<IProductLineGrain>("pcb-failures");
        var before = await line.RegisterVersion(model.Version);
        Assert.Equal(model.Version, before.Current);

        var missing = await Assert.ThrowsAsync<ModelVersionException>(()
            => line.RegisterVersion("sha256-00000000000000000000000000000000", promote: true));
        Assert.Contains("does not exist", missing.Message);
        Assert.Contains("sha256-00000000000000000000000000000000", missing.Message);

        // Corrupt one byte of the second version's core set inside the store: its checksum no longer matches.
        // The store's own layout (models/<version>/core.f32), mapped onto the local store's folder.
        var core =
            Path.Combine(model.ArtefactRoot, ArtefactKeys.ModelPath(model.SecondVersion, ModelDirectory.CoreFile));
        var bytes = File.ReadAllBytes(core);
        try
        {
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(core, bytes);
            var corrupt = await Assert.ThrowsAsync<ModelVersionException>(()
                => line.RegisterVersion(model.SecondVersion, promote: true));
            Assert.Contains("checksum", corrupt.Message);
            Assert.Contains("core.f32", corrupt.Message);
            await Assert.ThrowsAsync<ModelVersionException>(() => line.Promote(model.SecondVersion));
        }
        finally
        {
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(core, bytes);
        }

        var after = await line.GetStatus();
        Assert.Equal(model.Version, after.Current);
        Assert.Equal([model.Version], after.Versions.Select(v => v.Version));
        Assert.Empty(after.Previous);

        // Once the store is repaired the same version is accepted, and roll back returns to the first one.
        var promoted = await line.RegisterVersion(model.SecondVersion, promote: true);
        Assert.Equal(model.SecondVersion, promoted.Current);
        var rolledBack = await line.RollBack();
        Assert.Equal(model.Version, rolledBack.Current);
        // an InvalidOperationException, answered 409 by the gateway
        await Assert.ThrowsAsync<RegistryConflictException>(() => line.RollBack());
    }

    [Fact]
    public async Task Scoring_a_line_without_a_version_is_a_clear_error()
    {
        await using var cluster = await RebTestCluster.StartAsync(1, model.ArtefactRoot);
        var client = new Reb.Abstractions.Client.RebClusterClient(cluster.Client);
        var e =
            await Assert.ThrowsAsync<ModelVersionException>(() => client.ScoreAsync("pcb-empty", [1, 2, 3], "x.png"));
        Assert.Contains("no current model version", e.Message);
    }
}
