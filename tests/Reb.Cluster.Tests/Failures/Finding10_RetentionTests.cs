using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Cluster.Tests.TestSupport;
using Reb.Grains.Diagnostics;
using Reb.Grains.Training;
using Reb.Storage;
using Reb.Storage.Inspections;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// Storage that only grew: a failed or cancelled job kept its checkpoints (<c>jobs/&lt;id&gt;/</c>), an inspection
/// whose history insert failed kept its images with no row naming them, and model versions were never removed. Each
/// test performs the fault against a real silo, its real folder store and its real SQLite history, and checks what is
/// left in the store, in <c>reb cluster status</c>'s totals and in the /metrics instruments.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class Finding10_RetentionTests(PcbModelFixture model)
{
    private static readonly TimeSpan JobDeadline = TimeSpan.FromMinutes(4);

    private static async Task<List<string>> TrainingImagesAsync(IArtefactStore store, string line)
    {
        var repo = PcbModelFixture.RepositoryRoot();
        var images = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order().Take(4);
        return await TrainingChecks.UploadAsync(store, line, images);
    }

    private static async Task<TrainingProgress> WaitForEndAsync(IGrainFactory grains, ITrainingGrain job)
    {
        // A poll that misses the test cluster's short response timeout while the job holds its grain is repeated.
        var client = new RebClusterClient(grains);
        var deadline = DateTime.UtcNow + JobDeadline;
        TrainingProgress p;
        while (!(p = await client.RetryAsync(() => job.GetProgress())).IsFinished)
        {
            Assert.True(DateTime.UtcNow < deadline, $"job stuck in {p.Stage} at {p.Percent:F0}%");
            await Task.Delay(200);
        }
        return p;
    }

    /// <summary>The job's checkpoints in the store, polled until none is left or 30 s passed (the job deletes them
    /// right after it reports its end).</summary>
    private static async Task<IReadOnlyList<string>> CheckpointsLeftAsync(IArtefactStore store, string jobId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IReadOnlyList<string> left;
        while ((left = await store.ListAsync(TrainingBlobs.Prefix(jobId))).Count > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        return left;
    }

    [Fact]
    public async Task A_failed_and_a_cancelled_job_leave_no_checkpoints_and_are_counted()
    {
        var gate = new ArtefactWriteGate();
        await using var cluster =
            await RebTestCluster.StartAsync(1, model.ArtefactRoot, new RebTestClusterOptions { WriteGate = gate });
        var failedId = Guid.NewGuid().ToString("N");
        var cancelledId = Guid.NewGuid().ToString("N");
        // The failing job stops in its coreset step, after the embed step checkpointed the bank; the cancelled one is
        // held inside that same step until it has been cancelled.
        gate.Fails = key => key == TrainingBlobs.Coreset(failedId);
        gate.HeldSilo = cluster.Silos[0].Name;
        gate.Holds = key => key == TrainingBlobs.Coreset(cancelledId);
        using var removed = new RetentionInstruments();
        var totalsBefore = await cluster.Client.GetGrain<IRetentionTotalsGrain>(IRetentionTotalsGrain.Key).Get();
        try
        {
            var keys = await TrainingImagesAsync(model.Store, "f10-jobs");
            var failed = cluster.Client.GetGrain<ITrainingGrain>(failedId);
            await failed.Start(new TrainingRequest { Line = "f10-failed", ImageKeys = keys, ImageSize = 128 });
            var p = await WaitForEndAsync(cluster.Client, failed);
            Assert.Equal(TrainingStage.Failed, p.Stage);
            Assert.True(gate.Writes.ContainsKey(TrainingBlobs.Bank(failedId)),
                "the failed job never checkpointed its bank");
            Assert.Empty(await CheckpointsLeftAsync(model.Store, failedId));

            var cancelled = cluster.Client.GetGrain<ITrainingGrain>(cancelledId);
            await cancelled.Start(new TrainingRequest { Line = "f10-cancelled", ImageKeys = keys, ImageSize = 128 });
            var held = await Task.WhenAny(gate.Holding, Task.Delay(JobDeadline));
            Assert.True(held == gate.Holding, "the job never reached its coreset step");
            Assert.NotEmpty(await model.Store.ListAsync(TrainingBlobs.Prefix(cancelledId)));
            await cancelled.Cancel();
            gate.Release();
            Assert.Equal(TrainingStage.Cancelled, (await WaitForEndAsync(cluster.Client, cancelled)).Stage);
            Assert.Empty(await CheckpointsLeftAsync(model.Store, cancelledId));
        }
        finally { gate.Release(); }

        // Counted where `reb cluster status` reads them and in the silo's /metrics instruments.
        var totals = await cluster.Client.GetGrain<IRetentionTotalsGrain>(IRetentionTotalsGrain.Key).Get();
        Assert.True(totals.CheckpointFiles - totalsBefore.CheckpointFiles >= 4,
            $"checkpoint files counted: {totals.CheckpointFiles}");
        Assert.True(totals.CheckpointBytes - totalsBefore.CheckpointBytes > 4 * 512,
            $"checkpoint bytes counted: {totals.CheckpointBytes}");
        Assert.True(removed.Items("checkpoint") >= 4);
        // Other collections' jobs may end meanwhile and add to the process-wide counters: at least these.
        Assert.True(removed.Bytes("checkpoint") >= totals.CheckpointBytes - totalsBefore.CheckpointBytes);
    }

    [Fact]
    public async Task Checkpoints_an_ended_job_left_behind_are_swept_and_a_running_jobs_are_kept()
    {
        var gate = new ArtefactWriteGate();
        await using var cluster =
            await RebTestCluster.StartAsync(1, model.ArtefactRoot, new RebTestClusterOptions { WriteGate = gate });
        var endedId = Guid.NewGuid().ToString("N");
        var runningId = Guid.NewGuid().ToString("N");
        gate.Fails = key => key == TrainingBlobs.Coreset(endedId);
        gate.HeldSilo = cluster.Silos[0].Name;
        gate.Holds = key => key == TrainingBlobs.Coreset(runningId);
        var sweeper = cluster.Silos[0].SiloHost.Services.GetRequiredService<CheckpointRetention>();
        var running = cluster.Client.GetGrain<ITrainingGrain>(runningId);
        try
        {
            var keys = await TrainingImagesAsync(model.Store, "f10-sweep");
            var ended = cluster.Client.GetGrain<ITrainingGrain>(endedId);
            await ended.Start(new TrainingRequest { Line = "f10-sweep-ended", ImageKeys = keys, ImageSize = 128 });
            Assert.Equal(TrainingStage.Failed, (await WaitForEndAsync(cluster.Client, ended)).Stage);
            Assert.Empty(await CheckpointsLeftAsync(model.Store, endedId));
            // What a job leaves when the store was unreachable as it ended: its checkpoints still there.
            await model.Store.PutBytesAsync(TrainingBlobs.Bank(endedId), new byte[4096]);
            await model.Store.PutBytesAsync(TrainingBlobs.BankInfo(endedId), "{}"u8.ToArray());

            await running.Start(new TrainingRequest { Line = "f10-sweep-running", ImageKeys = keys, ImageSize = 128 });
            var held = await Task.WhenAny(gate.Holding, Task.Delay(JobDeadline));
            Assert.True(held == gate.Holding, "the running job never reached its coreset step");
            var runningFiles = await model.Store.ListAsync(TrainingBlobs.Prefix(runningId));
            Assert.NotEmpty(runningFiles);

            var (files, bytes) = await sweeper.SweepAsync();
            Assert.True(files >= 2 && bytes >= 4096, $"swept {files} files, {bytes} bytes");
            Assert.Empty(await model.Store.ListAsync(TrainingBlobs.Prefix(endedId)));
            Assert.Equal(runningFiles, await model.Store.ListAsync(TrainingBlobs.Prefix(runningId)));
        }
        finally
        {
            await running.Cancel();
            gate.Release();
        }
        Assert.Equal(TrainingStage.Cancelled, (await WaitForEndAsync(cluster.Client, running)).Stage);
    }

    [Fact]
    public async Task Images_of_an_inspection_whose_history_insert_failed_are_swept()
    {
        var root = Directory.CreateTempSubdirectory("reb-f10-orphans-").FullName;
        try
        {
            // A 1 s lock wait: the default 5 s plus storing the images came close to the test cluster's 8 s call
            // timeout on loaded cores, and the failed Record then held up the next one.
            await using var cluster = await RebTestCluster.StartAsync(1, root, new RebTestClusterOptions
                { Settings = new Dictionary<string, string?> { ["Reb:History:SqliteLockWaitSeconds"] = "1" } });
            var silo = cluster.Silos[0].SiloHost.Services;
            var store = silo.GetRequiredService<IArtefactStore>();
            var history = (SqliteInspectionHistory)silo.GetRequiredService<IInspectionHistory>();
            var recorder = cluster.Client.GetGrain<IInspectionHistoryGrain>(0);
            const string line = "f10-orphans";
            var image = await File.ReadAllBytesAsync(model.TestImages[0]);
            var inspection = new InspectionToRecord(line, model.Version, 9.5, Reject: true, 3.0, 20, "part.png", image,
                OverlayPng: image);

            // The history's write lock is held by another connection: the insert fails after the images were stored.
            await using (var locker = new SqliteConnection($"Data Source={history.Path}"))
            {
                await locker.OpenAsync();
                await using (var begin = locker.CreateCommand())
                {
                    begin.CommandText = "BEGIN EXCLUSIVE";
                    await begin.ExecuteNonQueryAsync();
                }
                await Assert.ThrowsAnyAsync<Exception>(() => recorder.Record(inspection));
            }
            SqliteConnection.ClearAllPools();
            var orphans = await store.ListAsync(InspectionImages.Folder(Sites.Default, line));
            Assert.Equal(2, orphans.Count); // the image and its overlay, named by no row
            var kept = await recorder.Record(inspection);
            var keptRow = await history.GetAsync(Sites.Default, line, kept);
            Assert.NotNull(keptRow?.ImageKey);

            var retention = silo.GetRequiredService<InspectionRetention>();
            // Today an image without its row may still be waiting for it: nothing goes.
            var today = await retention.SweepAsync(DateTimeOffset.UtcNow);
            Assert.Equal(0, today.OrphansDeleted);
            // Once its day has ended (and the grace period passed), the orphans go and the row's images stay.
            var later = await retention.SweepAsync(DateTimeOffset.UtcNow.AddDays(2));
            Assert.Equal(2, later.OrphansDeleted);
            Assert.Equal(2L * image.Length, later.OrphanBytes);
            var left = await store.ListAsync(InspectionImages.Folder(Sites.Default, line));
            Assert.Equal(new[] { keptRow!.ImageKey!, keptRow.OverlayKey! }.Order(StringComparer.Ordinal), left);
            Assert.All(orphans, o => Assert.DoesNotContain(o, left));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Versions_beyond_the_last_N_are_removed_but_current_previous_reviewed_and_shared_ones_stay()
    {
        var root = Directory.CreateTempSubdirectory("reb-f10-versions-").FullName;
        try
        {
            await using var cluster = await RebTestCluster.StartAsync(1, root,
                new RebTestClusterOptions
                {
                    Settings = new Dictionary<string,
                    string?> { ["Reb:MaxVersionsPerLine"] = "3" }
                });
            var silo = cluster.Silos[0].SiloHost.Services;
            var store = silo.GetRequiredService<IArtefactStore>();
            var history = silo.GetRequiredService<IInspectionHistory>();
            // a: the roll-back target, b: current, c: also held by another line, d: named by an inspection awaiting
            // review, e: nothing holds it; f, g, h: the last three.
            var v = new Dictionary<char, string>();
            foreach (var name in "abcdefgh")
            {
                var dir = Path.Combine(root, "models-src", name.ToString());
                TestModels.Write(dir, seed: 100 + name);
                v[name] = await store.PublishModelAsync(dir);
            }
            const string line = "f10-versions", other = "f10-versions-other";
            var grain = cluster.Client.GetGrain<IProductLineGrain>(line);
            await grain.RegisterVersion(v['a']);
            await grain.RegisterVersion(v['b'], promote: true);
            await cluster.Client.GetGrain<IProductLineGrain>(other).RegisterVersion(v['c']);
            await history.AddAsync(new InspectionEntry("f10-awaiting-1", Sites.Default, line, v['d'], 9, true, 3, 10,
                DateTimeOffset.UtcNow));
            using var removed = new RetentionInstruments();
            foreach (var name in "cdefgh") await grain.RegisterVersion(v[name]);

            var status = await grain.GetStatus();
            Assert.Equal(v['b'], status.Current);
            Assert.Equal(v['a'], status.Previous[^1]);
            Assert.Equal("abdfgh".Select(n => v[n]), status.Versions.Select(x => x.Version));
            Assert.True(await store.ExistsAsync(v['c']), "a version another line holds was deleted");
            Assert.False(await store.ExistsAsync(v['e']), "a version nothing holds is still in the store");
            Assert.False(Directory.Exists(Path.Combine(root, "models", v['e'])),
                "the removed version's folder is still there");
            foreach (var name in "abdfgh") Assert.True(await store.ExistsAsync(v[name]), $"version {name} was deleted");
            // The other line still scores with its version.
            Assert.Equal(v['c'], (await cluster.Client.GetGrain<IProductLineGrain>(other).GetStatus()).Current);

            var totals = await cluster.Client.GetGrain<IRetentionTotalsGrain>(IRetentionTotalsGrain.Key).Get();
            Assert.Equal(2, totals.VersionsRemoved);
            Assert.True(totals.VersionBytes > 64 * 16 * 4, $"bytes counted: {totals.VersionBytes}");
            Assert.True(removed.Items("version") >= 2);
            Assert.True(removed.Bytes("version") >= totals.VersionBytes);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Listens to the silo's retention counters (what /metrics exports) while it lives.</summary>
    private sealed class RetentionInstruments : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string Instrument, string Kind), long> _sums = [];

        public RetentionInstruments()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == RebMetrics.MeterName
                    && instrument.Name.StartsWith("reb.retention.removed", StringComparison.Ordinal))
                    l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var kind = "";
                foreach (var t in tags) if (t.Key == "kind") kind = t.Value as string ?? "";
                lock (_sums) _sums[(instrument.Name, kind)] = _sums.GetValueOrDefault((instrument.Name, kind)) + value;
            });
            _listener.Start();
        }

        public long Items(string kind) { lock (_sums) return _sums.GetValueOrDefault(("reb.retention.removed", kind)); }
        public long Bytes(
            string kind) { lock (_sums) return _sums.GetValueOrDefault(("reb.retention.removed.bytes", kind)); }
        public void Dispose() => _listener.Dispose();
    }
}
