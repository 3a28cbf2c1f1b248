using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>A version with the target calibration: the fixture's four training images, two synthetic sources (six
/// DefectMaker kinds each), published to the fixture's store. Too young to certify its target, so it carries a
/// warning.</summary>
public static class YoungVersions
{
    public static async Task<string> PublishAsync(GatewayFixture gateway)
    {
        var options = new InspectionOptions
        {
            ImageSize = GatewayFixture.ImageSize, Calibration = new CalibrationOptions { SyntheticImages = 2 },
        };
        var dir = Path.Combine(gateway.Work, "young-" + Guid.NewGuid().ToString("N")[..6]);
        var (model, report) = ModelFitter.Fit(gateway.TrainingImages, new FeatureExtractor(Backbone.LoadDefault(),
            options.ImageSize), options);
        using (model) ModelStore.Save(model, report, "young", dir);
        return await gateway.Store.PublishModelAsync(dir);
    }
}
