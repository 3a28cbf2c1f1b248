using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Core.Pipeline;
using Reb.Storage;
using Reb.Grains.Models;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>Two real model versions (fitted single-process on two sample images at 64 px) published to a local
/// store.</summary>
public static class TinyModels
{
    public static async Task<(string First, string Second)> PublishTwoAsync(string storeRoot, string work)
    {
        var repo = GatewayFixture.RepositoryRoot();
        var images = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order().Take(2)
            .ToList();
        var options = new InspectionOptions { ImageSize = 64 };
        var (model, report) =
            ModelFitter.Fit(images, new FeatureExtractor(Backbone.LoadDefault(), options.ImageSize), options);
        var store = new LocalFolderArtefactStore(storeRoot, ModelDirectoryFormat.Instance);
        using (model)
        {
            // Another category name gives another content address: a second version of the same model.
            ModelStore.Save(model, report, "tiny", Path.Combine(work, "tiny-a"));
            ModelStore.Save(model, report, "tiny-second", Path.Combine(work, "tiny-b"));
        }
        return (await store.PublishModelAsync(Path.Combine(work, "tiny-a")),
            await store.PublishModelAsync(Path.Combine(work, "tiny-b")));
    }
}
