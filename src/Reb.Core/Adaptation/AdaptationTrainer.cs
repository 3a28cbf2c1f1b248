using System.Diagnostics;
using System.Globalization;
using Reb.Core.Backbones;
using Reb.Core.DefectMaker;
using Reb.Core;
using Reb.Core.Imaging;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Reb.Core.Adaptation;

/// <summary>
/// Section 5: fine-tunes a backbone on DefectMaker's 7-class task. SGD with momentum and weight decay, closed-form
/// cosine learning rate, head-only training for the first <see cref="AdaptationOptions.FrozenSteps"/> steps, then the
/// whole network with BatchNorm in train mode; gradients of <see cref="AdaptationOptions.PassesPerStep"/> passes are
/// accumulated into each optimiser step. Batches are made on a background thread (<see cref="DefectBatchProducer"/>)
/// while the network trains. Same seed, same thread count => same loss curve and bit-identical weights, also across
/// a crash and <see cref="Resume"/>.
/// </summary>
public static class AdaptationTrainer
{
    /// <summary>Stage name used in progress reports.</summary>
    public const string Stage = "adapt";

    /// <summary>
    /// libtorch threads of the batch-making thread. DefectMaker runs many small element-wise ops, which gain little
    /// from a second thread, and the trainer's own 2-thread pool already fills a 2-core machine; a second 2-thread
    /// OpenMP team would make both spin against each other. The count is set for the producer's thread alone (<see
    /// cref="ThisThreadOpenMp"/>): the training thread's count, and the default other threads adopt, stay as they
    /// are.
    /// </summary>
    public const int ProducerThreads = 1;

    /// <summary>
    /// Loads the backbone named by <paramref name="options"/>, adapts it on defects made from
    /// <paramref name="trainImages"/> and returns it (eval mode, frozen) with the record of the run. Stale checkpoint
    /// folders in <see cref="AdaptationOptions.CheckpointDirectory"/> are deleted first; use <see cref="Resume"/> to
    /// continue from them instead.
    /// </summary>
    /// <exception cref="ArgumentException">No images, or bad options (names the field).</exception>
    /// <exception cref="Imaging.ImageLoadException">An image cannot be read (names the file).</exception>
    /// <param name="onCheckpoint">called with each checkpoint folder once it is complete (the cluster copies it to the
    /// artefact store).</param>
    /// <param name="device">where the network trains (null = the CPU); the adapted backbone is handed back on the
    /// CPU.</param>
    public static AdaptationResult Adapt(IReadOnlyList<string> trainImages, AdaptationOptions options,
        IProgress<StageProgress>? progress = null, CancellationToken cancellation = default,
        Action<string>? onCheckpoint = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        RequireImages(trainImages);
        if (options.CheckpointDirectory is not null) AdaptationCheckpoint.Clear(options.CheckpointDirectory);
        return Run(trainImages, options, resumeFrom: null, progress, cancellation, onCheckpoint, device);
    }

    /// <summary>
    /// Continues the run whose checkpoints are in <paramref name="checkpointDirectory"/> from its newest checkpoint,
    /// with the recipe stored there. The result equals that of an uninterrupted run (same seed, same thread count).
    /// </summary>
    /// <param name="trainImages">The same training list as the interrupted run (checked by its fingerprint).</param>
    /// <exception cref="InvalidDataException">No checkpoint, an unreadable one, or a different training
    /// list.</exception>
    public static AdaptationResult Resume(string checkpointDirectory, IReadOnlyList<string> trainImages,
        IProgress<StageProgress>? progress = null, CancellationToken cancellation = default,
        Action<string>? onCheckpoint = null, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        RequireImages(trainImages);
        var folder = AdaptationCheckpoint.Latest(checkpointDirectory)
            ?? throw new InvalidDataException(
                $"No adaptation checkpoint (step-NNNNNN folder) in '{checkpointDirectory}'.");
        var state = AdaptationCheckpoint.ReadState(folder);
        if (state.ImageCount != trainImages.Count
            || state.ImageListHash != AdaptationCheckpoint.HashImageList(trainImages))
            throw new InvalidDataException(
                $"Checkpoint '{folder}' was made from a different training list ({state.ImageCount} images, " +
                $"fingerprint {state.ImageListHash[..12]}); " +
                $"got {trainImages.Count} images (fingerprint " +
                $"{AdaptationCheckpoint.HashImageList(trainImages)[..12]}).");
        var options = state.Options with { CheckpointDirectory = checkpointDirectory };
        options.Validate();
        return Run(trainImages, options, (folder, state), progress, cancellation, onCheckpoint, device);
    }

    /// <summary>
    /// Adapts <paramref name="backbone"/> in place (the caller keeps it) on batches from <paramref name="sampler"/>;
    /// the
    /// lower-level entry point (no checkpoint clearing, no image loading). Leaves the backbone in eval mode, frozen.
    /// </summary>
    /// <param name="imageListHash">Fingerprint of the training list stored in checkpoints
    /// (<see cref="AdaptationCheckpoint.HashImageList"/>); only <see cref="Resume"/> checks it.</param>
    public static AdaptationRecord Train(Backbone backbone, DefectSampler sampler, AdaptationOptions options,
        IProgress<StageProgress>? progress = null, CancellationToken cancellation = default, string imageListHash = "")
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (sampler.ImageSize != options.ImageSize)
            throw new ArgumentException($"the sampler makes {sampler.ImageSize} px images but " +
                $"AdaptationOptions.ImageSize is {options.ImageSize}", nameof(sampler));
        if (sampler.Options.Resize != Imaging.ResizeMode.Square)
            throw new ArgumentException(
                "adaptation trains on square batches (section 5); give it a square-mode sampler", nameof(sampler));
        return TrainCore(backbone, sampler, options, null, imageListHash, progress, cancellation, onCheckpoint: null,
            device: null);
    }

    /// <summary>
    /// One optimiser step: zero the gradients, forward/backward every pass with the loss divided by the pass count
    /// (gradient accumulation), then one SGD update at <paramref name="learningRate"/>. The network's frozen/unfrozen
    /// phase must be set by the caller. Returns the step's mean loss and accuracy.
    /// </summary>
    public static (double Loss, double Accuracy) OptimizerStep(AdaptationNetwork network, SGD optimizer,
        IReadOnlyList<DefectBatch> passes, double learningRate)
        => OptimizerStep(network, optimizer, passes.Count, i => passes[i], learningRate, [1.0], keep: null,
            device: null);

    /// <param name="groupScales">Learning-rate factor per optimizer parameter group (head first, then the
    /// backbone).</param>
    /// <param name="keep">The feature-keeping term: ImageNet's backbone and the term's weight; null = off.</param>
    private static (double Loss, double Accuracy) OptimizerStep(AdaptationNetwork network, SGD optimizer, int passCount,
        Func<int, DefectBatch> batchOfPass, double learningRate, IReadOnlyList<double> groupScales,
        (Backbone ImageNet, double Weight)? keep,
        Device? device)
    {
        if (passCount < 1) throw new ArgumentException("at least one pass is needed", nameof(passCount));
        int g = 0;
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = learningRate * groupScales[Math.Min(g++, groupScales.Count - 1)];
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        double lossSum = 0, correct = 0, count = 0;
        // In the head-only phase layer3 carries no gradient, so the term could not change anything.
        bool keeping = keep is not null && !network.BackboneFrozen;
        for (int pass = 0; pass < passCount; pass++)
        {
            using var passScope = NewDisposeScope();
            var batch = batchOfPass(pass);
            bool move = device is not null;
            var images = move ? batch.Images.to(device!) : batch.Images;
            var labels = move ? batch.Labels.to(device!) : batch.Labels;
            var input = network.Backbone.Preprocess(images);
            var (logits, layer3) = network.ForwardWithLayer3(input, keeping);
            var loss = AdaptationLoss.SigmoidBce(logits, labels);
            // Explicitly held Scalars: TorchSharp passes a temporary Scalar's raw handle to native code, and the
            // finaliser can free it mid-call (seen as "Unknown scalar type" after many steps; see the README).
            var objective = loss;
            if (keeping)
                using (var weight = keep!.Value.Weight.ToScalar())
                    objective = loss.Plus(KeepTerm(keep.Value.ImageNet, input, layer3!, labels).mul(weight));
            using (var passes = ((double)passCount).ToScalar()) objective.div(passes).backward();
            // The curve reports the task's loss (comparable across recipes), not the objective.
            lossSum += loss.item<float>();
            long n = labels.shape[0];
            correct += AdaptationLoss.Accuracy(logits, labels) * n;
            count += n;
        }
        optimizer.step();
        return (lossSum / passCount, correct / count);
    }

    /// <summary>Mean squared difference between the adapted and ImageNet's layer3 features of the batch's clean
    /// images, relative to the mean square of ImageNet's: 0 while nothing moved, 1 when the change is as large as the
    /// features themselves.</summary>
    private static Tensor KeepTerm(Backbone imageNet, Tensor input, Tensor adaptedLayer3, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var clean = labels.eq((long)DefectKind.Clean).nonzero().squeeze(1);
        Tensor reference;
        using (no_grad()) reference =
            imageNet.ForwardLayers(input.index_select(0, clean), BackboneLayer.Layer3)[BackboneLayer.Layer3];
        var diff = adaptedLayer3.index_select(0, clean).sub(reference);
        return diff.square().mean().div(reference.square().mean()).MoveToOuterDisposeScope();
    }

    private static AdaptationResult Run(IReadOnlyList<string> trainImages, AdaptationOptions options,
        (string Folder, CheckpointState State)? resumeFrom, IProgress<StageProgress>? progress,
        CancellationToken cancellation,
        Action<string>? onCheckpoint, Device? device)
    {
        using var sampler = DefectSampler.FromFiles(trainImages, options.EffectiveDefectMaker);
        var backbone = Backbone.Load(options.Backbone);
        try
        {
            var record = TrainCore(backbone, sampler, options, resumeFrom,
                AdaptationCheckpoint.HashImageList(trainImages), progress, cancellation, onCheckpoint, device);
            return new AdaptationResult(backbone, record);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    private static AdaptationRecord TrainCore(Backbone backbone, DefectSampler sampler, AdaptationOptions o,
        (string Folder, CheckpointState State)? resumeFrom, string imageListHash, IProgress<StageProgress>? progress,
        CancellationToken cancellation,
        Action<string>? onCheckpoint, Device? device)
    {
        // An explicit device, the CPU included, takes the device path (moves are no-ops on the CPU), so tests run it.
        bool onDevice = device is not null;
        var random = new StepRandom(o.Seed);
        var losses = new List<double>(resumeFrom?.State.LossCurve ?? []);
        var accuracies = new List<double>(resumeFrom?.State.AccuracyCurve ?? []);
        var resumedAt = new List<int>(resumeFrom?.State.ResumedAtSteps ?? []);
        double previousSeconds = resumeFrom?.State.Seconds ?? 0;
        int firstStep = losses.Count + 1;
        if (resumeFrom is not null) resumedAt.Add(losses.Count);

        using var generator = new Generator(random.HeadInitSeed);
        using var network = new AdaptationNetwork(backbone, o.HeadWidths, generator, Math.Min(o.ImageSize, 64));
        // Head initialised on the CPU (the seeded generator is a CPU one), then everything moves before the optimizer
        // takes its parameters. Batches are made on the CPU and moved per pass.
        if (onDevice) network.to(device!);
        // One parameter group when the backbone learns at the head's rate (the reference, as before); otherwise the
        // head's group first, then the backbone's, scaled per step by OptimizerStep.
        bool split = o.BackboneLearningRateScale != 1.0;
        using var optimizer = split
            ? optim.SGD(new[]
                {
                    new SGD.ParamGroup(network.HeadParameters(), o.LearningRate, o.Momentum, 0, o.WeightDecay),
                    new SGD.ParamGroup(backbone.Parameters(), o.LearningRate * o.BackboneLearningRateScale, o.Momentum,
                        0, o.WeightDecay),
                }, o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay)
            : optim.SGD(network.parameters(), o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay);
        double[] groupScales = split ? [1.0, o.BackboneLearningRateScale] : [1.0];
        string? fixedThrough = o.FixedThrough is { } fixedLayer ? backbone.Spec.LayerName(fixedLayer) : null;
        // ImageNet's backbone, for the feature-keeping term only (same spec, never trained).
        using var imageNet = o.FeatureKeepWeight > 0 ? Backbone.Load(o.Backbone) : null;
        if (onDevice) imageNet?.Module.to(device!);
        imageNet?.Eval();
        imageNet?.Freeze();
        (Backbone, double)? keep = imageNet is null ? null : (imageNet, o.FeatureKeepWeight);
        if (resumeFrom is { } r) AdaptationCheckpoint.Load(r.Folder, network, optimizer);

        var clock = Stopwatch.StartNew();
        try
        {
            if (firstStep <= o.Steps)
            {
                using var producer = new DefectBatchProducer(sampler, random, firstStep, o.Steps, o.SourcesPerPass,
                    o.PassesPerStep, new Augmentation(),
                    producerThreads: ProducerThreads);
                for (int step = firstStep; step <= o.Steps; step++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    bool frozen = step <= o.FrozenSteps;
                    if (step == firstStep || frozen != network.BackboneFrozen)
                        network.SetBackboneFrozen(frozen, fixedThrough, o.FreezeBatchNorm);

                    var taken = new List<PassBatch>();
                    try
                    {
                        var (loss, accuracy) = OptimizerStep(network, optimizer, o.PassesPerStep, pass =>
                        {
                            var item = producer.Next(cancellation);
                            taken.Add(item);
                            if (item.Step != step || item.Pass != pass + 1)
                                throw new InvalidOperationException($"batch order broken: expected step {step} pass " +
                                    $"{pass + 1}, got step {item.Step} pass {item.Pass}");
                            return item.Batch;
                        }, CosineSchedule.LearningRate(step, o), groupScales, keep, device);
                        if (!double.IsFinite(loss))
                            throw new InvalidOperationException($"adaptation diverged at step {step}: loss {loss} " +
                                $"(learning rate {CosineSchedule.LearningRate(step, o)})");
                        losses.Add(loss);
                        accuracies.Add(accuracy);
                    }
                    finally
                    {
                        foreach (var item in taken) item.Dispose();
                    }

                    bool due = o.CheckpointEvery > 0 && step % o.CheckpointEvery == 0 || step == o.Steps;
                    if (o.CheckpointDirectory is not null && due)
                    {
                        var state = new CheckpointState(AdaptationCheckpoint.FormatVersion, step,
                            o with { CheckpointDirectory = null },
                            sampler.Count, imageListHash, losses.ToArray(), accuracies.ToArray(),
                            previousSeconds + clock.Elapsed.TotalSeconds, resumedAt.ToArray());
                        var saved = AdaptationCheckpoint.Save(o.CheckpointDirectory, state, network, optimizer);
                        onCheckpoint?.Invoke(saved);
                    }
                    progress?.Report(new StageProgress(Stage, (double)step / o.Steps,
                        string.Create(CultureInfo.InvariantCulture,
                        $"step {step}/{o.Steps} loss {losses[^1]:F4} acc {accuracies[^1]:F3}"), losses[^1]));
                }
            }
        }
        finally
        {
            // The adapted backbone leaves in the state feature extraction expects: eval, frozen, on the CPU (a
            // FeatureExtractor moves it to its own device).
            if (onDevice) backbone.Module.to(CPU);
            backbone.Eval();
            backbone.Freeze();
        }
        return new AdaptationRecord(o.Budget, o with { CheckpointDirectory = null }, o.Seed, sampler.Count, losses,
            accuracies,
            previousSeconds + clock.Elapsed.TotalSeconds, get_num_threads(), resumedAt);
    }

    private static void RequireImages(IReadOnlyList<string> trainImages)
    {
        if (trainImages is null || trainImages.Count == 0)
            throw new ArgumentException("Adaptation needs at least one training image; the list is empty.",
                nameof(trainImages));
    }
}
