using Reb.Core.Adaptation;
using Reb.Core.Imaging;
using Reb.Core;
using Reb.Core.Pipeline;
using static TorchSharp.torch;
using RebBackbone = Reb.Core.Backbones.Backbone;

namespace Reb.Core.Tests.Adaptation;

public class AdaptationTrainerTests
{
    [Fact]
    public void SameSeedGivesTheSameLossCurveAndBitIdenticalWeightsAndAnotherSeedDoesNot()
    {
        using var data = new AdaptationTestData();
        var o = AdaptationTestData.TinyOptions(steps: 3, seed: 5);
        using var a = AdaptationTrainer.Adapt(data.Images, o);
        using var b = AdaptationTrainer.Adapt(data.Images, o);
        using var c = AdaptationTrainer.Adapt(data.Images, o with { Seed = 6 });

        Assert.Equal(3, a.Record.LossCurve.Count);
        Assert.Equal(a.Record.LossCurve, b.Record.LossCurve);
        Assert.Equal(a.Record.AccuracyCurve, b.Record.AccuracyCurve);
        Assert.Empty(AdaptationTestData.Differences(AdaptationTestData.Snapshot(a.Backbone.Module),
            AdaptationTestData.Snapshot(b.Backbone.Module)));
        Assert.NotEqual(a.Record.LossCurve, c.Record.LossCurve);
        Assert.NotEmpty(AdaptationTestData.Differences(AdaptationTestData.Snapshot(a.Backbone.Module),
            AdaptationTestData.Snapshot(c.Backbone.Module)));
        // The adapted backbone is handed back ready for feature extraction.
        Assert.False(a.Backbone.IsTraining);
        Assert.All(a.Backbone.Parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void ResumingFromACheckpointAfterACrashEqualsTheUninterruptedRun()
    {
        using var data = new AdaptationTestData();
        var o = AdaptationTestData.TinyOptions(steps: 3, seed: 8) with { CheckpointEvery = 2 };

        using var whole =
            AdaptationTrainer.Adapt(data.Images, o with { CheckpointDirectory = data.NewSubfolder("whole") });

        // The "crash": cancelled right after step 2 and its checkpoint. Step 3 runs after the resume, with the
        // momentum buffers, BatchNorm statistics and data stream restored from the checkpoint and the seed.
        var dir = data.NewSubfolder("crashed");
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress<StageProgress>(p
            => { if (p.Detail!.StartsWith("step 2/", StringComparison.Ordinal)) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => AdaptationTrainer.Adapt(data.Images,
            o with { CheckpointDirectory = dir }, progress, cancel.Token));
        Assert.EndsWith("step-000002", AdaptationCheckpoint.Latest(dir));

        using var resumed = AdaptationTrainer.Resume(dir, data.Images);
        Assert.Equal(whole.Record.LossCurve, resumed.Record.LossCurve);
        Assert.Equal(whole.Record.AccuracyCurve, resumed.Record.AccuracyCurve);
        Assert.Equal(new[] { 2 }, resumed.Record.ResumedAtSteps);
        Assert.Empty(AdaptationTestData.Differences(AdaptationTestData.Snapshot(whole.Backbone.Module),
            AdaptationTestData.Snapshot(resumed.Backbone.Module)));
        Assert.EndsWith("step-000003", AdaptationCheckpoint.Latest(dir));
        Assert.Single(Directory.GetDirectories(dir)); // older checkpoints are removed
    }

    [Fact]
    public void AFrozenOnlyRunLeavesTheBackboneExactlyAsLoaded()
    {
        using var data = new AdaptationTestData();
        using var sampler = data.Sampler();
        using var backbone = RebBackbone.LoadDefault();
        var before = AdaptationTestData.Snapshot(backbone.Module);
        var record = AdaptationTrainer.Train(backbone, sampler,
            AdaptationTestData.TinyOptions(steps: 2) with { FrozenSteps = 2 });
        Assert.Equal(2, record.StepsDone);
        Assert.Empty(AdaptationTestData.Differences(before, AdaptationTestData.Snapshot(backbone.Module)));
    }

    [Fact]
    public void ProgressReportsEveryStepWithLossAndAccuracyAndTheRecordFeedsAFeatureExtractor()
    {
        using var data = new AdaptationTestData();
        var reports = new List<StageProgress>();
        var o = AdaptationTestData.TinyOptions(steps: 2);
        var result = AdaptationTrainer.Adapt(data.Images, o, new SyncProgress<StageProgress>(reports.Add));
        Assert.Equal(new[] { 0.5, 1.0 }, reports.Select(r => r.Fraction));
        Assert.All(reports, r => Assert.Equal("adapt", r.Stage));
        Assert.Matches(@"^step 2/2 loss \d+\.\d{4} acc \d\.\d{3}$", reports[^1].Detail!);
        Assert.All(result.Record.LossCurve, l => Assert.InRange(l, 0.0, 5.0));
        Assert.True(result.Record.Seconds > 0);

        using var extractor = result.CreateFeatureExtractor(imageSize: 64);
        var back = AdaptationRecord.FromJson(extractor.AdaptationJson!);
        Assert.Equal(result.Record.LossCurve, back.LossCurve);
        Assert.Null(back.Options.CheckpointDirectory);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 64, 512 }, extractor.Embed(zeros(1, 3, 64, 64)).shape);
    }

    [Fact]
    public void BadInputsGiveClearErrors()
    {
        using var data = new AdaptationTestData();
        var o = AdaptationTestData.TinyOptions(steps: 2);
        var none = Assert.Throws<ArgumentException>(() => AdaptationTrainer.Adapt([], o));
        Assert.Contains("at least one training image", none.Message);

        var missing = Path.Combine(data.Folder, "nope.png");
        var bad = Assert.Throws<ImageLoadException>(() => AdaptationTrainer.Adapt([missing], o));
        Assert.Contains("nope.png", bad.Message);

        var empty = data.NewSubfolder("empty");
        var noCheckpoint = Assert.Throws<InvalidDataException>(() => AdaptationTrainer.Resume(empty, data.Images));
        Assert.Contains("No adaptation checkpoint", noCheckpoint.Message);

        var dir = data.NewSubfolder("ckpt");
        using (AdaptationTrainer.Adapt(data.Images,
            o with { CheckpointDirectory = dir, Steps = 1, FrozenSteps = 1 })) { }
        var other =
            Assert.Throws<InvalidDataException>(() => AdaptationTrainer.Resume(dir, data.Images.Take(2).ToList()));
        Assert.Contains("different training list", other.Message);

        var network = Path.Combine(AdaptationCheckpoint.Latest(dir)!, AdaptationCheckpoint.NetworkFile);
        File.WriteAllBytes(network, [1, 2, 3, 4, 5]);
        var corrupt = Assert.Throws<InvalidDataException>(() => AdaptationTrainer.Resume(dir, data.Images));
        Assert.Contains(AdaptationCheckpoint.NetworkFile, corrupt.Message);

        File.WriteAllText(Path.Combine(AdaptationCheckpoint.Latest(dir)!, AdaptationCheckpoint.StateFile), "{ broken");
        var state = Assert.Throws<InvalidDataException>(() => AdaptationTrainer.Resume(dir, data.Images));
        Assert.Contains(AdaptationCheckpoint.StateFile, state.Message);
    }
}
