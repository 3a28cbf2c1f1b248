using System.CommandLine;
using Reb.Abstractions.Contracts;
using Reb.Grains.Training;
using Reb.Core.Ldknn;
using Reb.Core;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Core.Pipeline;

namespace Reb.Cli.Commands;

/// <summary>The options shared by `fit` and `eval`, with the method's reference values as defaults.</summary>
public sealed class CommonOptions
{
    public readonly Option<int> K = new("--k")
    {
        Description = "neighbours for the local density (9 for MVTec AD/BTAD, 45 for LOCO)",
        DefaultValueFactory = _ => 9
    };
    public readonly Option<double> Lambda = new("--lambda")
    {
        Description = "density weight: score = d2 - lambda * density (0 = plain nearest neighbour)",
        DefaultValueFactory = _ => 1.0
    };
    public readonly Option<double> Coreset = new("--coreset")
    {
        Description = "fraction of the bank kept as core set (1 = no coreset, the reference)",
        DefaultValueFactory = _ => 1.0
    };
    public readonly Option<int?> Shots =
        new("--shots") { Description = "use only the first N training images (sorted)" };
    public readonly Option<int> Seed = new("--seed")
    {
        Description = "random seed (coreset, adaptation)",
        DefaultValueFactory = _ => 0
    };
    public readonly Option<int> ImageSize = new("--image-size")
    {
        Description = "images are resized to this square size (aspect mode: this short side)",
        DefaultValueFactory = _ => 256
    };
    // Native-aspect inspection; the mode is stored in the model, so `reb score` and the cluster follow it.
    public readonly Option<string> Resize = new("--resize")
    {
        Description = "square: squash every image to image-size x image-size (the method); aspect: short side = " +
            "image-size, long side by the same factor rounded to a multiple of 32 (for long parts and thin defects); " +
            "auto: aspect only when the training images are elongated (median long/short >= 1.5) and their short " +
            "side needs no upsampling (median >= image-size)",
        DefaultValueFactory = _ => TrainingChoices.Name(ResizeRequest.Square)
    };
    public readonly Option<int> BatchSize = new("--batch")
    {
        Description = "images per backbone pass",
        DefaultValueFactory = _ => 8
    };
    public readonly Option<int> Threads = new("--threads")
    {
        Description = "compute threads (default: all cores)",
        DefaultValueFactory = _ => Environment.ProcessorCount
    };
    public readonly Option<int> CalibrationImages = new("--calibration-images")
    {
        Description = "good training images scored leave-one-out to set the threshold",
        DefaultValueFactory = _ => 16
    };

    // Calibration to a target false-reject rate.
    public readonly Option<double> TargetFrr = new("--target-frr")
    {
        Description = "wanted false-reject rate on good parts; the threshold comes from out-of-fold scores of all " +
            "training images (0 = the legacy Q0.99 + 10 % margin rule)",
        DefaultValueFactory = _ => 0.01
    };
    public readonly Option<double> FrrConfidence = new("--frr-confidence")
    {
        Description = "confidence that the false-reject rate is at most the target (when there are enough training " +
            "images to certify it)",
        DefaultValueFactory = _ => 0.9
    };
    public readonly Option<int> CalibrationFolds = new("--calibration-folds")
    {
        Description = "contiguous folds, used only when every training image is a near-duplicate of the others " +
            "(out-of-fold scoring otherwise leaves out each group of near-duplicates, or each image alone)",
        DefaultValueFactory = _ => 10
    };
    public readonly Option<double> EscapeCost = new("--escape-cost")
    {
        Description = "where the target false-reject rate cannot be certified (young lines): an escape costs this " +
            "many false rejects, and the threshold minimises predicted false rejects + escape cost x predicted escapes",
        DefaultValueFactory = _ => 10.0
    };
    public readonly Option<double> MaxFrr = new("--max-frr")
    {
        Description = "the cost rule (young lines) never takes a threshold that predicts more false rejects than " +
            "this; the escapes it leaves are predicted and warned about",
        DefaultValueFactory = _ => 0.03
    };
    public readonly Option<double> MaxPredictedEscape = new("--max-predicted-escape")
    {
        Description = "above this predicted (synthetic) escape rate the line warns that it needs more good images or " +
            "reviewed parts",
        DefaultValueFactory = _ => 0.2
    };
    public readonly Option<int> SyntheticImages = new("--synthetic-images")
    {
        Description = "training images that get DefectMaker's six defect kinds for the predicted (synthetic) escape " +
            "rate; 0 = skip",
        DefaultValueFactory = _ => 30
    };

    public readonly Option<string> Adapt = new("--adapt")
    {
        Description = "backbone adaptation before fitting: none (ImageNet weights) or defectmaker (REB's " +
            "self-supervised fine-tuning)",
        DefaultValueFactory = _ => TrainingChoices.Name(AdaptMode.None)
    };
    public readonly Option<string> Budget = new("--budget")
    {
        Description = "adaptation budget: cpu (30 steps of 56 images, minutes on 2 cores), reference (the paper's " +
            "300 steps of ~1000 images, a GPU job) or smoke (3 steps: a check of the path, not a useful adaptation)",
        DefaultValueFactory = _ => "cpu"
    };

    public readonly Option<string> AdaptRecipe = new("--adapt-recipe")
    {
        Description = "adaptation recipe: auto (default: layer3 at the cpu budget, reference at the reference " +
            "budget), reference (section 5 as published: every layer and BatchNorm trains), gentle (BatchNorm " +
            "frozen, stem to layer2 fixed, backbone at 0.1x the head's rate) gentle-keep (gentle + a term keeping " +
            "layer3 features near ImageNet's) or layer3 (BatchNorm frozen, stem to layer2 fixed, layer3 at the full " +
            "rate); see the README's ablation",
        DefaultValueFactory = _ => Reb.Core.Adaptation.AdaptationOptions.DefaultRecipe
    };

    public readonly Option<string> AdaptGuard = new("--adapt-guard")
    {
        Description = "on: keep the adapted backbone only if it beats ImageNet on synthetic defects of held-out good " +
            "images; off: always use it; report: judge and record the verdict but use it anyway (ablations)",
        DefaultValueFactory = _ => TrainingChoices.Name(AdaptGuardMode.On)
    };

    public readonly Option<string> Search = new("--search")
    {
        Description = "kNN search: flat (every bank row), cells (exact search that skips the cells proven too far) " +
            "or auto (cells only where a probe of the bank shows they pay); the scores are identical",
        DefaultValueFactory = _ => TrainingChoices.Name(SearchRequest.Auto)
    };

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { K, Lambda, Coreset, Shots, Seed, ImageSize, Resize, BatchSize, Threads,
            CalibrationImages, Adapt, Budget, AdaptRecipe, AdaptGuard,
            TargetFrr, FrrConfidence, CalibrationFolds, SyntheticImages, EscapeCost, MaxFrr, MaxPredictedEscape,
            Search }) c.Options.Add(o);
        // The typed choices' documented names: the request parses them (TrainingRules.ParseChoice).
        Resize.AcceptOnlyFromAmong([.. TrainingChoices.Names<ResizeRequest>()]);
        Adapt.AcceptOnlyFromAmong([.. TrainingChoices.Names<AdaptMode>()]);
        AdaptGuard.AcceptOnlyFromAmong([.. TrainingChoices.Names<AdaptGuardMode>()]);
        Search.AcceptOnlyFromAmong([.. TrainingChoices.Names<SearchRequest>()]);
        Budget.AcceptOnlyFromAmong([.. Reb.Core.Adaptation.AdaptationOptions.BudgetNames]);
        AdaptRecipe.AcceptOnlyFromAmong([.. Reb.Core.Adaptation.AdaptationOptions.RecipeNames]);
    }

    /// <summary>
    /// The patch embedder: ImageNet ResNet18, or that backbone adapted to the line's good images first (and kept only
    /// when the adaptation guard says it helps). <paramref name="outcome"/> describes the adaptation run, if any.
    /// </summary>
    public Reb.Core.Features.FeatureExtractor Extractor(ParseResult r, InspectionOptions options,
        IReadOnlyList<string> trainImages,
        IProgress<StageProgress> progress, out Reb.Core.Adaptation.AdaptationOutcome? outcome)
    {
        outcome = null;
        var resize = ResizeMode(r, trainImages, options.ImageSize);
        var request = TrainingRequest(r, "", "");
        if (request.Adapt == AdaptMode.None)
            return new Reb.Core.Features.FeatureExtractor(Reb.Core.Backbones.Backbone.LoadDefault(),
                options.ImageSize) { Resize = resize };
        var (adaptation, guard, enforce) = TrainingOptions.AdaptationSetup(request);
        var (extractor, result) =
            Reb.Core.Adaptation.GuardedAdaptation.Run(trainImages, adaptation, guard, progress, enforce);
        outcome = result;
        // Adaptation trains on square DefectMaker images; the line's resize mode applies to the fit and scoring after
        // it.
        extractor.Resize = resize;
        return extractor;
    }

    /// <summary>The --resize choice as the core's mode ("auto" decided from the training images' sizes).</summary>
    public Reb.Core.Imaging.ResizeMode ResizeMode(ParseResult r, IReadOnlyList<string> trainImages, int imageSize) =>
        Reb.Core.Imaging.ResizeChoice.Resolve(TrainingOptions.Resize(Parse<ResizeRequest>(r, Resize)), trainImages,
            imageSize);

    /// <summary>The training grain's request with these options, so `reb cluster fit` fits exactly like `reb fit` (keys
    /// added by the caller). Refuses settings out of the request's limits (<see cref="TrainingRules"/>), as the HTTP
    /// API and the training grain do.</summary>
    public TrainingRequest TrainingRequest(ParseResult r, string line, string category)
    {
        var request = new TrainingRequest
        {
            Line = line, Category = category, ImageKeys = [], ImageSize = r.GetValue(ImageSize),
                BatchSize = r.GetValue(BatchSize),
            K = r.GetValue(K), Lambda = r.GetValue(Lambda), CoresetRatio = r.GetValue(Coreset), Seed = r.GetValue(Seed),
            CalibrationImages = r.GetValue(CalibrationImages),
            Adapt = Parse<AdaptMode>(r, Adapt), Budget = r.GetValue(Budget)!,
            AdaptGuard = Parse<AdaptGuardMode>(r, AdaptGuard), AdaptRecipe = r.GetValue(AdaptRecipe)!,
            TargetFrr = Math.Max(0, r.GetValue(TargetFrr)), FrrConfidence = r.GetValue(FrrConfidence),
            CalibrationFolds = r.GetValue(CalibrationFolds), SyntheticImages = r.GetValue(SyntheticImages),
            EscapeCost = r.GetValue(EscapeCost), MaxPredictedEscape = r.GetValue(MaxPredictedEscape),
            MaxFalseRejectRate = r.GetValue(MaxFrr),
            Resize = Parse<ResizeRequest>(r, Resize), Search = Parse<SearchRequest>(r, Search),
        };
        if (TrainingRules.Check(request) is { Count: > 0 } errors)
            throw new ArgumentException(string.Join("; ", errors));
        return request;
    }

    /// <summary>Core's options for these settings: the training grain's mapping (<see cref="TrainingOptions"/>), plus
    /// the command line's own --shots and --threads.</summary>
    public InspectionOptions Read(ParseResult r)
    {
        TorchSharp.torch.set_num_threads(Math.Max(1, r.GetValue(Threads)));
        return TrainingOptions.Inspection(TrainingRequest(r, "", "")) with { Shots = r.GetValue(Shots) };
    }

    private static T Parse<T>(ParseResult r, Option<string> option) where T : struct, Enum =>
        TrainingRules.ParseChoice<T>(r.GetValue(option), option.Name) ?? default;
}
