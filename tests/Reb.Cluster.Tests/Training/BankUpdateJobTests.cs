using Reb.Grains.Models;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Backbones;
using Reb.Core.Calibration;
using Reb.Core.Features;
using Reb.Core.Imaging;
using Reb.Core.Ldknn;
using Reb.Core.Models;
using Reb.Core.Review;
using Reb.Storage;
using static TorchSharp.torch;

namespace Reb.Cluster.Tests.Training;

/// <summary>
/// The review loop's bank update as a cluster job (<see cref="IBankUpdateGrain"/>): two gateways asking at once get
/// one job, a job whose silo is killed resumes on another silo, and what it publishes is what Core's BankAppend gives
/// in one process, bit for bit, whose densities are a full refit's.
/// </summary>
public sealed class BankUpdateJobTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-bank-job-").FullName;
    private string Store => Path.Combine(_work, "store");

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    /// <summary>A small square model without coreset (appendable), published into the cluster's store, and two
    /// reviewed good images stored as the gateway's history stores them.</summary>
    private async Task<(string Version, BankUpdateRequest Request, IReadOnlyList<string> Added)> LineAsync(string line)
    {
        var samples = Path.Combine(PcbModelFixture.RepositoryRoot(), "samples/deeppcb/train/good");
        var all = Directory.GetFiles(samples, "*.png").Order().ToList();
        var options = new InspectionOptions
        {
            ImageSize = 64, BatchSize = 4, Ldknn = new LdknnOptions { K = 3 },
            Calibration = new CalibrationOptions { Folds = 3, SyntheticImages = 0 },
        };
        var (model, fit) = ModelFitter.Fit(all.Take(6).ToList(),
            new FeatureExtractor(Backbone.LoadDefault(), options.ImageSize), options);
        var dir = Path.Combine(_work, "model-" + line);
        using (model) ModelStore.Save(model, fit, line, dir);
        var store = new LocalFolderArtefactStore(Store, ModelDirectoryFormat.Instance);
        var version = await store.PublishModelAsync(dir);
        var added = all.Skip(6).Take(2).ToList();
        var ids = added.Select((_, i) => $"{line}-reviewed-{i}").ToList();
        var keys = new List<string>();
        foreach (var (path, id) in added.Zip(ids))
        {
            var key = $"inspections/{line}/{id}.png";
            await using (var f = File.OpenRead(path)) await store.PutAsync(key, f);
            keys.Add(key);
        }
        return (version, new BankUpdateRequest(line, Sites.Default, version, ids, keys), added);
    }

    /// <summary>
    /// The single-process reference: Core's BankAppend on the same version and the same images under the same names,
    /// compared with the job's published model tensor by tensor, bit for bit (not by version: a manifest records when
    /// and how long, so two equal banks saved twice have different content addresses).
    /// </summary>
    private async Task AssertSameAsOneProcessAsync(string version, BankUpdateRequest request,
        IReadOnlyList<string> added, string published)
    {
        var store = new LocalFolderArtefactStore(Store, ModelDirectoryFormat.Instance);
        var baseDir = await store.FetchModelAsync(version, Path.Combine(_work, "ref-cache"));
        var outDir = Path.Combine(_work, "ref-" + request.Line);
        using (var model = ModelStore.Load(baseDir))
            BankAppend.AppendAndSave(model, added.Select((p, i) => ImageSource.FromBytes(
                $"inspections/{request.InspectionIds[i]}", File.ReadAllBytes(p))).ToList(), outDir);
        var jobDir = await store.FetchModelAsync(published, Path.Combine(_work, "job-cache"));
        using var reference = ModelStore.Load(outDir);
        using var job = ModelStore.Load(jobDir);
        Assert.True(Same(reference.Index.CoreFeatures, job.Index.CoreFeatures), "bank rows differ from one process's");
        Assert.True(Same(reference.Index.Density, job.Index.Density), "densities differ from one process's");
        Assert.Equal(reference.Threshold.Value, job.Threshold.Value);
        Assert.Equal(reference.Manifest!.Training.ImageNames, job.Manifest!.Training.ImageNames);
    }

    private static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }

    private static async Task<BankUpdateStatus> WaitAsync(RebClusterClient client, IBankUpdateGrain job)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        BankUpdateStatus s;
        while (!(s = await client.RetryAsync(() => job.GetStatus())).Progress.IsFinished)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"bank update stuck in {s.Progress.Stage} at {s.Progress.Percent:F0}%");
            await Task.Delay(100);
        }
        return s;
    }

    [Fact]
    public async Task Two_gateways_asking_at_once_get_one_job()
    {
        const string line = "pcb-bank-once";
        var (version, request, added) = await LineAsync(line);
        await using var cluster = await RebTestCluster.StartAsync(2, Store,
            new RebTestClusterOptions { GrainStorageFolder = Path.Combine(_work, "state") });
        await cluster.Client.GetGrain<IProductLineGrain>(line).RegisterVersion(version);

        // Each silo's own grain factory, as the gateway in that silo's process uses it.
        var gateways = cluster.Silos.Select(s => s.SiloHost.Services.GetRequiredService<IGrainFactory>()).ToList();
        var asks =
            await Task.WhenAll(gateways.Select(g => Task.Run(() => g.GetGrain<IBankUpdateGrain>(line).Start(request))));
        Assert.Equal(asks[0].Progress.JobId, asks[1].Progress.JobId);

        // Another update of the same line while it runs is refused, not queued behind it or run beside it.
        var other = request with
        {
            InspectionIds = request.InspectionIds.Take(1).ToList(),
            ImageKeys = request.ImageKeys.Take(1).ToList()
        };
        var job = cluster.Client.GetGrain<IBankUpdateGrain>(line);
        if (!(await job.GetStatus()).Progress.IsFinished)
            await Assert.ThrowsAsync<RegistryConflictException>(() => job.Start(other));

        var done = await WaitAsync(new RebClusterClient(cluster.Client), job);
        Assert.Null(done.Progress.Error);
        Assert.Equal(TrainingStage.Completed, done.Progress.Stage);
        Assert.Equal(1, done.Runs);
        Assert.Equal(asks[0].Progress.JobId, done.Progress.JobId);
        var status = await cluster.Client.GetGrain<IProductLineGrain>(line).GetStatus();
        Assert.Equal([version, done.Outcome!.Version], status.Versions.Select(v => v.Version));
        Assert.Equal(version, status.Current); // registered, not promoted

        // Asking again for the same update answers the finished job instead of running it again.
        var again = await gateways[1].GetGrain<IBankUpdateGrain>(line).Start(request);
        Assert.Equal(done.Progress.JobId, again.Progress.JobId);
        Assert.Equal(1, again.Runs);
        await AssertSameAsOneProcessAsync(version, request, added, done.Outcome.Version);
    }

    [Fact]
    public async Task A_job_whose_silo_is_killed_resumes_on_another_and_publishes_what_one_process_gives()
    {
        const string line = "pcb-bank-resume";
        var (version, request, added) = await LineAsync(line);
        var gate = new ArtefactWriteGate();
        await using var cluster = await RebTestCluster.StartAsync(3, Store,
            new RebTestClusterOptions { GrainStorageFolder = Path.Combine(_work, "state"), WriteGate = gate });
        await cluster.Client.GetGrain<IProductLineGrain>(line).RegisterVersion(version);

        // The line's job lands on a secondary silo (the primary holds the test cluster's membership).
        var job = cluster.Client.GetGrain<IBankUpdateGrain>(line);
        await job.GetStatus(); // activates without starting
        var host = await cluster.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(job);
        var victim = cluster.Silos.Skip(1).FirstOrDefault(s => s.SiloAddress.Equals(host));
        if (victim is null)
        {
            var target = cluster.Silos[1];
            await cluster.MigrateAsync(job, target.SiloAddress);
            victim = target;
        }

        // Freeze the job on that silo after BankAppend, as it publishes, then kill the silo.
        gate.HeldSilo = victim.Name;
        gate.Holds = key => key == GatedArtefactStore.PublishKey;
        var started = await job.Start(request);
        var held = await Task.WhenAny(gate.Holding, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.True(held == gate.Holding, "the job never reached its publish");
        Assert.Equal(TrainingStage.Embed, (await job.GetStatus()).Progress.Stage);
        await cluster.KillSiloAsync(victim);

        // Asking re-activates it on a live silo, which resumes it (the reminder would too, within a minute).
        var done = await WaitAsync(new RebClusterClient(cluster.Client, maxAttempts: 10), job);
        Assert.Null(done.Progress.Error);
        Assert.Equal(TrainingStage.Completed, done.Progress.Stage);
        Assert.Equal(started.Progress.JobId, done.Progress.JobId);
        Assert.True(done.Runs >= 2 && done.Progress.Resumes >= 1,
            $"runs {done.Runs}, resumes {done.Progress.Resumes}: it was not interrupted");
        Assert.Contains(done.Outcome!.Version,
            (await cluster.Client.GetGrain<IProductLineGrain>(line).GetStatus()).Versions.Select(v => v.Version));

        // Bit for bit what Core's BankAppend gives in one process, and its densities are a full refit's of the union.
        await AssertSameAsOneProcessAsync(version, request, added, done.Outcome.Version);
        var dir = await new LocalFolderArtefactStore(Store, ModelDirectoryFormat.Instance)
            .FetchModelAsync(done.Outcome.Version, Path.Combine(_work, "check-cache"));
        using var updated = ModelStore.Load(dir);
        Assert.Equal(done.Outcome.RowsAfter, updated.Index.CoreCount);
        var (refit, _) = BankNeighbours.Fit(updated.Index.CoreFeatures, updated.Options.Ldknn);
        using (refit) Assert.True(Same(refit.Density, updated.Index.Density),
            "the appended bank's densities differ from a full refit's");
    }
}
