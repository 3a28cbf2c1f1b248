using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Tests.TestSupport;
using Reb.Gateway.Training;

namespace Reb.Gateway.Tests.Security;

/// <summary>Failure: uploaded training images were never deleted, so the store grew with every upload
/// forever.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UploadRetentionTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Uploads_older_than_the_retention_are_deleted_and_newer_ones_and_other_files_kept()
    {
        var now = DateTime.UtcNow;
        var old = $"sites/sec-retention/uploads/line1/{now.AddHours(-100):yyyyMMddHHmmss}-{Guid.NewGuid():N}";
        var fresh = $"sites/sec-retention/uploads/line1/{now.AddHours(-1):yyyyMMddHHmmss}-{Guid.NewGuid():N}";
        const string data = "sites/sec-retention/data/20000101000000-old-looking";
        foreach (var prefix in new[] { old, fresh, data }) await SecurityHelpers.PutImagesAsync(gateway, prefix);

        await gateway.Services.GetRequiredService<UploadRetention>().SweepAsync(now);

        Assert.Empty(await gateway.Store.ListAsync(old + "/"));
        Assert.Equal(gateway.TrainingImages.Count, (await gateway.Store.ListAsync(fresh + "/")).Count);
        Assert.Equal(gateway.TrainingImages.Count, (await gateway.Store.ListAsync(data + "/")).Count);
    }
}
