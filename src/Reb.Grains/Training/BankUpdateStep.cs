using Reb.Abstractions.Contracts;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Models;
using Reb.Core.Review;
using Reb.Grains.Models;
using Reb.Storage;

namespace Reb.Grains.Training;

/// <summary>
/// The bank update's one heavy step: the base version from this silo's verified cache and the reviewed images from the
/// artefact store go through Core's <see cref="BankAppend"/>, and the result is published. Versions are content
/// addresses, so running it again after a lost silo publishes the same version.
/// </summary>
public static class BankUpdateStep
{
    /// <summary>What the job keeps about the step once done: the published version, and BankAppend's numbers.</summary>
    public static async Task<BankUpdateOutcome> RunAsync(BankUpdateRequest request, SiloModelCache models,
        Action<double> percent, CancellationToken ct)
    {
        var sources = new List<ImageSource>();
        for (int i = 0; i < request.ImageKeys.Count; i++)
        {
            var bytes = await models.Artefacts.GetBytesAsync(request.ImageKeys[i], ct)
                        ?? throw new InvalidOperationException($"inspection '{request.InspectionIds[i]}' has no " +
                            "stored image any more (removed by retention)");
            sources.Add(ImageSource.FromBytes($"inspections/{request.InspectionIds[i]}", bytes));
        }
        var local = await models.GetAsync(request.BaseVersion);
        var work = Directory.CreateTempSubdirectory("reb-bank-update-").FullName;
        try
        {
            var result = await Task.Run(() =>
            {
                using var model = ModelStore.Load(local.Directory);
                return BankAppend.AppendAndSave(model, sources, Path.Combine(work, "new"),
                    new SyncProgress<StageProgress>(p => percent(100 * p.Fraction)));
            }, ct);
            var version = await models.Artefacts.PublishModelAsync(Path.Combine(work, "new"), ct);
            return new BankUpdateOutcome(version, result.Added, result.ThresholdBefore, result.ThresholdAfter,
                result.RowsBefore,
                result.RowsAfter, result.Manifest.Threshold.Calibration?.Warning);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
