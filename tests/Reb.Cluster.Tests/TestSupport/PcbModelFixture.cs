using Reb.Core.Models;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Storage;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>
/// One model fitted single-process (the `reb fit` path) on the repository's DeepPCB sample (MIT), saved, and
/// published into a fresh folder artefact store that the test clusters share. Fitted once per test run.
/// </summary>
public sealed class PcbModelFixture : IDisposable
{
    public const string Line = "pcb";
    public const int TrainImages = 8;

    public PcbModelFixture()
    {
        var repo = RepositoryRoot();
        Work = Directory.CreateTempSubdirectory("reb-cluster-tests-").FullName;
        ArtefactRoot = Path.Combine(Work, "store");
        var train = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order()
            .Take(TrainImages).ToList();
        TestImages = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/test/good"), "*.png").Order().Take(3)
            .Concat(Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/test/defect"), "*.png").Order().Take(3))
            .ToList();
        ModelDir = Path.Combine(Work, "model");
        var options = new InspectionOptions { ImageSize = 256 };
        var (model, report) =
            ModelFitter.Fit(train, new FeatureExtractor(Backbone.LoadDefault(), options.ImageSize), options);
        using (model)
        {
            Manifest = ModelStore.Save(model, report, Line, ModelDir);
            // A second, different version of the same line (another category name gives another content address).
            SecondModelDir = Path.Combine(Work, "model-b");
            SecondManifest = ModelStore.Save(model, report, Line + "-b", SecondModelDir);
        }
        Store = new LocalFolderArtefactStore(ArtefactRoot, ModelDirectoryFormat.Instance);
        Version = Store.PublishModelAsync(ModelDir).GetAwaiter().GetResult();
        SecondVersion = Store.PublishModelAsync(SecondModelDir).GetAwaiter().GetResult();
    }

    public string Work { get; }
    public string ArtefactRoot { get; }
    public string ModelDir { get; }
    public string SecondModelDir { get; }
    public ModelManifest Manifest { get; }
    public ModelManifest SecondManifest { get; }
    public string Version { get; }
    public string SecondVersion { get; }
    /// <summary>The shared store, the same implementation the silos build from "Reb:ArtefactStore".</summary>
    public IArtefactStore Store { get; }
    public IReadOnlyList<string> TestImages { get; }

    /// <summary>Single-process reference: InspectionModel.Score on the saved model, one image per batch.</summary>
    public IReadOnlyList<ScoredImage> ReferenceScores()
    {
        using var model = ModelStore.Load(ModelDir, batchSize: 1);
        var results = new List<ScoredImage>();
        foreach (var batch in ImageBatches.Read(TestImages, model.Options.ImageSize, 1,
            s => throw new InvalidOperationException(s.Reason)))
            using (batch) results.AddRange(model.Score(batch));
        return results;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RebCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("RebCluster.sln not found above the test binaries");
    }

    public void Dispose()
    {
        try { Directory.Delete(Work, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PcbModelCollection : ICollectionFixture<PcbModelFixture>
{
    public const string Name = "Cluster: fitted DeepPCB model";
}
