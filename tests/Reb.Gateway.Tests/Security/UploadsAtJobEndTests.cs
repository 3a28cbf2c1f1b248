using System.Net;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;
using Reb.Grains.Training;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Failure: uploaded training images stayed in the store until the hourly retention sweep found them old enough (72 h
/// by default), long after their job needed them. They now go when the job ends, however it ends.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class UploadsAtJobEndTests(GatewayFixture gateway)
{
    private static readonly TimeSpan JobLimit = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_completed_job_deletes_its_uploads()
    {
        var (site, line, jobId) = await StartAsync(("imageSize", "64"), ("fitShards", "1"), ("promote", "false"));
        var p = await WaitFinishedAsync(jobId);
        Assert.True(p.Stage == TrainingStage.Completed, $"job {jobId}: {p.Stage} {p.Error}");
        await AssertNoUploadsAsync(site, line);
    }

    [Fact]
    public async Task A_cancelled_job_deletes_its_uploads()
    {
        // A long job (DefectMaker adaptation), cancelled while it runs.
        var (site, line, jobId) =
            await StartAsync(("adapt", "defectmaker"), ("budget", "cpu"), ("adaptGuard", "off"), ("promote", "false"));
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        (await engineer.DeleteAsync($"api/training/{jobId}")).EnsureSuccessStatusCode();
        var p = await WaitFinishedAsync(jobId);
        Assert.Equal(TrainingStage.Cancelled, p.Stage);
        await AssertNoUploadsAsync(site, line);
    }

    [Fact]
    public async Task A_failed_job_deletes_its_uploads()
    {
        // Files that pass as uploads but are no images: the job fails in its embed step.
        var site = "sec-end-" + Guid.NewGuid().ToString("N")[..8];
        const string line = "sec-end-fail";
        var folder = $"sites/{site}/uploads/{line}/{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}/";
        var keys = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            using var junk = new MemoryStream("not an image"u8.ToArray());
            await gateway.Store.PutAsync($"{folder}{i:D5}.png", junk);
            keys.Add($"{folder}{i:D5}.png");
        }
        var jobId = Guid.NewGuid().ToString("N");
        var request = new TrainingRequest
        {
            Line = line,
            ImageKeys = keys,
            Site = site,
            ImageSize = 64,
            FitShards = 1,
            Promote = false,
            UploadFolder = folder
        };
        await gateway.Grains.GetGrain<ITrainingGrain>(jobId).Start(request);
        var p = await WaitFinishedAsync(jobId);
        Assert.True(p.Stage == TrainingStage.Failed, $"job {jobId}: {p.Stage}");
        Assert.Empty(await gateway.Store.ListAsync(folder));
    }

    [Theory]
    [InlineData("sites/s1/uploads/l/b/", "s1", true)]
    [InlineData("sites/s1/data/l/b/", "s1", false)]        // a folder the site trains from again: kept
    [InlineData("sites/s2/uploads/l/b/", "s1", false)]     // another site's uploads: never
    [InlineData("sites/s1/uploads/l/", "s1", false)]       // all of a line's uploads, not one job's batch
    [InlineData("sites/s1/uploads/../b/", "s1", false)]
    [InlineData("models/", "s1", false)]
    public void Only_the_jobs_own_upload_batch_is_ever_deleted(string folder, string site, bool deleted) =>
        Assert.Equal(deleted, TrainingUploads.IsUploadFolder(folder, site));

    private async Task<(string Site, string Line, string JobId)> StartAsync(params (string, string)[] fields)
    {
        var site = "sec-end-" + Guid.NewGuid().ToString("N")[..8];
        var line = site + "-line";
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        using var r =
            await engineer.PostAsync($"api/lines/{line}/training", SecurityHelpers.TrainingUpload(gateway, fields));
        Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
        var jobId = (await r.ReadJson()).GetProperty("jobId").GetString()!;
        // The uploads are there while the job runs (it needs them, and again after a silo loss).
        var during = await gateway.Store.ListAsync($"sites/{site}/uploads/{line}/");
        var p = await gateway.Grains.GetGrain<ITrainingGrain>(jobId).GetProgress();
        if (!p.IsFinished) Assert.Equal(gateway.TrainingImages.Count, during.Count);
        return (site, line, jobId);
    }

    private async Task<TrainingProgress> WaitFinishedAsync(string jobId)
    {
        var job = gateway.Grains.GetGrain<ITrainingGrain>(jobId);
        var deadline = DateTime.UtcNow + JobLimit;
        while (true)
        {
            var p = await job.GetProgress();
            if (p.IsFinished) return p;
            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} did not finish within {JobLimit}: {p.Stage}");
            await Task.Delay(500);
        }
    }

    private async Task AssertNoUploadsAsync(string site, string line)
    {
        // The job deletes them right after its end is recorded (the same activation turn chain): allow it a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        IReadOnlyList<string> left;
        while ((left = await gateway.Store.ListAsync($"sites/{site}/uploads/{line}/")).Count > 0
            && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Empty(left);
    }
}
