using System.Collections.Concurrent;
using Reb.Abstractions.Grains;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>
/// A version fitted on 20 of the sample's good training images (the fixture's own has 4: its 95 % out-of-fold score is
/// its largest, one unusual image's, which no plausible part exceeds). Fitted once per fixture and published to its
/// store.
/// </summary>
public static class WiderVersions
{
    public const int Images = 20;
    private static readonly ConcurrentDictionary<GatewayFixture, Lazy<Task<string>>> Published = new();

    public static Task<string> PublishAsync(GatewayFixture gateway) =>
        Published.GetOrAdd(gateway, g => new Lazy<Task<string>>(() => FitAsync(g))).Value;

    /// <summary>A new line of site A with the wider version current.</summary>
    public static async Task<string> NewLineAsync(GatewayFixture gateway, string prefix)
    {
        var version = await PublishAsync(gateway);
        var line = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.Grains.GetGrain<ILineOperationsGrain>(line).Claim(GatewayFixture.SiteA);
        await gateway.Grains.GetGrain<IProductLineGrain>(line).RegisterVersion(version, promote: true);
        return line;
    }

    private static async Task<string> FitAsync(GatewayFixture gateway)
    {
        var images = Directory.GetFiles(Path.Combine(GatewayFixture.RepositoryRoot(), "samples/deeppcb/train/good"),
            "*.png").Order()
            .Take(Images).ToList();
        var options = new InspectionOptions { ImageSize = GatewayFixture.ImageSize };
        var dir = Path.Combine(gateway.Work, "wider-" + Guid.NewGuid().ToString("N")[..6]);
        var (model, report) = await Task.Run(() => ModelFitter.Fit(images,
            new FeatureExtractor(Backbone.LoadDefault(), options.ImageSize), options));
        using (model) ModelStore.Save(model, report, "wider", dir);
        return await gateway.Store.PublishModelAsync(dir);
    }
}
