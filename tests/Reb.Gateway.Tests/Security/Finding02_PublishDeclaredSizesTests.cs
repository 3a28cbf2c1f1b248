using Reb.Core.Models;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;
using Reb.Storage;
using Reb.Grains.Models;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// A published model could declare sizes that kill the silo that first scores it: features.imageSize and dim were
/// not bounded at publish, and the first score builds a zeros(1, 3, S, S) probe (S = 40,000 is tens of GB). Now
/// every declared size is bounded at publish (400, nothing claimed), and a silo refuses such a manifest when it
/// fetches a version from the store too (one written there before the checks existed).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding02_PublishDeclaredSizesTests(GatewayFixture gateway)
{
    public static TheoryData<string, string> Oversized() => new()
    {
        { "imageSize", "features.imageSize" },
        { "dim", "features.dim" },
        { "rows", "bank.coreFile" },
        { "k", "ldknn.k" },
    };

    private static ModelManifest Change(ModelManifest m, string what) => what switch
    {
        "imageSize" => m with { Features = m.Features with { ImageSize = 60_000 } },
        "dim" => m with { Features = m.Features with { Dim = 1_000_000 } },
        // Twice the rows the uploaded core set holds: bank rows are checked against the bytes actually uploaded.
        "rows" => m with { Bank = m.Bank with { Core = m.Bank.Core * 2, Patches = m.Bank.Patches * 2 } },
        "k" => m with { Ldknn = m.Ldknn with { K = 1_000_000 } },
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public async Task A_publish_declaring_an_oversized_shape_is_refused_naming_the_field_and_claims_nothing(string what,
        string field)
    {
        var line = $"sec-f02-{what.ToLowerInvariant()}-{Guid.NewGuid():N}"[..30];
        var dir = TamperedModels.Make(gateway, m => Change(m, what));
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f02", Roles.Engineer));
        using var r = await engineer.PostAsync($"api/lines/{line}/versions?promote=true", TamperedModels.Form(dir));
        Assert.Contains(field, await r.AssertProblem(400));
        Assert.Null(await TamperedModels.OwnerAsync(gateway, line));
    }

    [Fact]
    public async Task A_silo_loading_a_stored_version_with_image_size_60000_refuses_it_before_any_probe()
    {
        // Written into a store folder by hand, as a version published before the checks would be.
        var dir = TamperedModels.Make(gateway, m => Change(m, "imageSize"));
        var root = Path.Combine(gateway.Work, "f02-store-" + Guid.NewGuid().ToString("N")[..8]);
        var version = ModelDirectory.ReadManifest(dir).Version;
        var folder = Directory.CreateDirectory(Path.Combine(root, ArtefactKeys.ModelsPrefix, version)).FullName;
        foreach (var file in Directory.GetFiles(dir)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        var store = new LocalFolderArtefactStore(root, ModelDirectoryFormat.Instance);
        // What a silo's model cache does: fetch the verified copy, then load its embedder (the probe is built there).
        var copy = await store.FetchModelAsync(version, Path.Combine(root, "cache"));
        var e =
            Assert.Throws<ModelFormatException>(() => ModelStore.LoadEmbedder(copy, ModelDirectory.ReadManifest(copy)));
        Assert.Contains("features.imageSize 60000", e.Message);
    }
}
