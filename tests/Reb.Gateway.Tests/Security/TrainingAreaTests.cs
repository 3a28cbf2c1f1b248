using System.Net;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Exploit: one site's engineer trains a model from another site's images by naming their store folder (or climbing
/// out of its own with ".."). Every such folder must be refused, whatever is in it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TrainingAreaTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Another_sites_uploads_cannot_be_named_as_a_training_folder()
    {
        const string victim = "sec-area-a", thief = "sec-area-b";
        // Images of the victim site where uploads live now, and where they lived before uploads were keyed by site.
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{victim}/uploads/secret-line/batch1");
        await SecurityHelpers.PutImagesAsync(gateway, "uploads/secret-line/batch1");
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{thief}/data");
        using var b = gateway.Client(await SecurityHelpers.KeyAsync(gateway, thief, Roles.Engineer));
        var folders = new[]
        {
            $"sites/{victim}/uploads/secret-line/batch1",
            $"sites/{victim}/",
            "uploads/secret-line/batch1",
            "uploads/",
            "sites/",
            "",
            $"sites/{thief}/../{victim}/uploads/secret-line/batch1",
            $"sites/{thief}/data/../../{victim}/uploads",
            $"/sites/{thief}/data",
            $"sites\\{thief}\\data",
            $"sites/{thief}//data",
        };
        foreach (var folder in folders)
        {
            using var r = await b.PostAsync("api/lines/sec-area-stolen/training",
                SecurityHelpers.Json($"{{\"folder\":\"{folder.Replace("\\", "\\\\")}\",\"imageSize\":32}}"));
            await r.AssertProblem(400);
        }
        var status = await gateway.Grains.GetGrain<Reb.Abstractions.Grains.IProductLineGrain>("sec-area-stolen")
            .GetStatus();
        Assert.Empty(status.Jobs); // no job ever started on the stolen images
    }

    [Fact]
    public async Task A_site_may_train_from_its_own_area_and_uploads_are_stored_under_it()
    {
        const string site = "sec-area-own";
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{site}/data/good");
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        try
        {
            using var folder = await engineer.PostAsync("api/lines/sec-area-own-1/training",
                SecurityHelpers.Json($"{{\"folder\":\"sites/{site}/data/good\",\"imageSize\":32,\"promote\":false}}"));
            Assert.Equal(HttpStatusCode.Accepted, folder.StatusCode);
            using var upload = await engineer.PostAsync("api/lines/sec-area-own-2/training",
                SecurityHelpers.TrainingUpload(gateway, ("imageSize", "32"), ("promote", "false")));
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
            var stored = await gateway.Store.ListAsync($"sites/{site}/uploads/sec-area-own-2/");
            Assert.Equal(gateway.TrainingImages.Count, stored.Count);
        }
        finally
        {
            await SecurityHelpers.CancelJobsAsync(gateway, "sec-area-own-1");
            await SecurityHelpers.CancelJobsAsync(gateway, "sec-area-own-2");
        }
    }
}
