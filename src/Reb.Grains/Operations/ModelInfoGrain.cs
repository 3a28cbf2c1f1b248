using Orleans.Concurrency;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Models;

namespace Reb.Grains.Operations;

/// <summary>A version's manifest summary, read from the silo's verified model cache (one local copy per
/// silo).</summary>
[StatelessWorker]
public sealed class ModelInfoGrain(SiloModelCache models) : Grain, IModelInfoGrain
{
    public async Task<ModelVersionInfo> GetInfo()
    {
        var version = this.GetPrimaryKeyString();
        LocalModel model;
        try { model = await models.GetAsync(version); }
        catch (Exception e) when (ModelVersionErrors.From(e, version) is { } error) { throw error; }
        var m = model.Manifest;
        var t = m.Threshold;
        return new ModelVersionInfo(version, m.Category, m.CreatedUtc, m.Features.ImageSize, t.Value, t.GoodMedian,
            t.GoodScores ?? [], m.Training.Images, t.Method, t.Quantile, t.Margin)
        {
            ThresholdRule = t.Calibration?.RuleKind, PredictedFalseRejectRate = t.Calibration?.PredictedFalseRejectRate,
            PredictedEscapeRate = t.Calibration?.PredictedEscapeRate ?? t.Calibration?.Synthetic?.PredictedEscapeRate,
            CalibrationWarning = t.Calibration?.Warning,
            Calibration = t.Calibration is { } c ? ModelCalibrations.From(c) : null,
        };
    }
}
