using Reb.Storage;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Reb.Core.Models;
using Reb.Core.Backbones;
using Reb.Core.Datasets;
using Reb.Core.Features;
using Reb.Core;
using Reb.Core.Imaging;
using Reb.Core.Pipeline;
using Reb.Grains.Diagnostics;
using Reb.Grains.Hosting;
using Spectre.Console;

namespace Reb.Cli.Commands.Cluster;

/// <summary>
/// `reb cluster bench`: in ONE run and on the same bank and images, single-process scoring (InspectionModel.Score,
/// batch 1) against scoring through an embedded cluster with 1 and N shards. Images are scored one after the other
/// (latency = one request end to end, file read included on both sides), so the ratio isolates the fan-out cost.
/// Score differences against the single-process path are reported too: sharding must not change a score. With
/// --clients N, each cluster path then also scores the images with N concurrent closed-loop clients (throughput when
/// requests overlap, as on a plant with several cameras), whose scores must equal the one-at-a-time ones.
/// </summary>
public static class ClusterBenchCommand
{
    public sealed record PathFigures(string Path, int Shards, int Images, double ImagesPerSecond, double P50Ms,
        double P95Ms,
        double MeanMs, double OverheadVsSingle, double MaxAbsScoreDiff, long LargestMessageBytes,
        string LargestMessageCall);

    /// <summary>One cluster path under <paramref name="Clients"/> concurrent clients.</summary>
    public sealed record ConcurrentFigures(int Shards, int Clients, int Images, double ImagesPerSecond,
        double SpeedupVsOneAtATime, double MaxAbsScoreDiffVsOneAtATime);

    public sealed record ClusterBenchReport(string Category, int Threads, int TrainImages, long CoreRows, int Dim,
        int ImageSize,
        int WarmupImages, IReadOnlyList<PathFigures> Paths)
    {
        /// <summary>The --clients passes (empty without the option).</summary>
        public IReadOnlyList<ConcurrentFigures> Concurrent { get; init; } = [];

        /// <summary>How the passes were ordered (every image through every path before the next image).</summary>
        public string Order => "interleaved per image";
    }

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            Description = "category folder (train/good, test/...)",
            Required = true
        };
        var shots = new Option<int>("--shots")
        {
            Description = "training images for the bank",
            DefaultValueFactory = _ => 20
        };
        var images = new Option<int>("--images")
        {
            Description = "test images scored per path",
            DefaultValueFactory = _ => 30
        };
        var shards = new Option<int[]>("--shards")
        {
            Description = "shard counts to measure",
            DefaultValueFactory = _ => [1, 4],
            AllowMultipleArgumentsPerToken = true
        };
        var size = new Option<int>("--image-size") { DefaultValueFactory = _ => 256 };
        var clients = new Option<int>("--clients")
        {
            Description = "also score every cluster path with this many concurrent clients (0: one at a time only)",
            DefaultValueFactory = _ => 0
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "folder for cluster-bench.json",
            Required = true
        };
        var cmd = new Command("bench", "Single-process vs embedded-cluster scoring (1 and 4 shards): throughput, " +
            "p50/p95 latency, fan-out overhead, largest message.")
            { data, shots, images, shards, size, clients, output };
        cmd.SetAction(async (r, ct) =>
        {
            try { return await Run(r.GetValue(data)!.FullName, r.GetValue(shots), r.GetValue(images),
                r.GetValue(shards)!, r.GetValue(size), r.GetValue(clients), r.GetValue(output)!.FullName, ct); }
            catch (Exception e) when (ClusterCommand.IsUserError(e))
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message.ReplaceLineEndings(" "))}");
                return 2;
            }
        });
        return cmd;
    }

    private const int Warmup = 2;

    private static async Task<int> Run(string dataDir, int shots, int imageCount, int[] shardCounts, int size,
        int clients, string outDir, CancellationToken ct)
    {
        if (clients is < 0 or > 64) throw new ArgumentException($"--clients must be 0..64, not {clients}");
        if (!Directory.Exists(dataDir)) throw new DirectoryNotFoundException($"--data '{dataDir}' does not exist");
        var ds = DatasetReader.Open(dataDir, DatasetLayout.Auto, shots);
        var test = ds.Test.Select(s => s.ImagePath).Take(imageCount + Warmup).ToList();
        if (test.Count <= Warmup)
            throw new InvalidDataException($"--data '{dataDir}' has only {test.Count} test images");
        Directory.CreateDirectory(outDir);
        var work = Directory.CreateTempSubdirectory("reb-cluster-bench-").FullName;
        try
        {
            AnsiConsole.MarkupLine($"fitting the bank single-process on {ds.TrainGood.Count} images ...");
            var options = new InspectionOptions { ImageSize = size, BatchSize = 1 };
            var (model, fit) =
                ModelFitter.Fit(ds.TrainGood, new FeatureExtractor(Backbone.LoadDefault(), size), options);
            using var fitted = model;
            var modelDir = Path.Combine(work, "model");
            var manifest = ModelStore.Save(model, fit, ds.Category, modelDir);

            await using var session = await ClusterSession.StartEmbeddedAsync(
                new ArtefactStoreSettings { Root = Path.Combine(work, "store") }, ct, persistRegistry: false);
            var version = await session.Store.PublishModelAsync(modelDir, ct);
            // One scorer per path; path 0 is the single-process reference, the others score a line of the cluster.
            var scorers = new List<(string Path, int Shards, string? Line, Func<string, float> Score)>
            {
                ("single-process", 0, null, p =>
                {
                    foreach (var batch in ImageBatches.Read([p], size, 1,
                        s => throw new InvalidDataException(s.Reason)))
                        using (batch) return model.Score(batch)[0].Score;
                    throw new InvalidDataException($"{p}: not read");
                }),
            };
            foreach (var n in shardCounts)
            {
                var line = $"bench-{n}";
                var grain = session.Client.Line(line);
                await grain.RegisterVersion(version, promote: true);
                await grain.SetShards(n);
                await session.Client.StatusAsync(line, refresh: true, ct);
                scorers.Add(("embedded-cluster", n, line, p =>
                    session.Client.ScoreAsync(line, File.ReadAllBytes(p), Path.GetFileName(p), ct).GetAwaiter()
                    .GetResult().Score));
            }

            // Interleaved: each image goes through every path before the next image, so the load of a shared machine
            // drifts over all paths alike instead of biasing whichever path ran during a busy minute.
            var lat = scorers.Select(_ => new List<double>()).ToArray();
            var scores = scorers.Select(_ => new List<float>()).ToArray();
            var largest = new long[scorers.Count];
            var largestCall = new string[scorers.Count];
            ClusterCommand.RunWithProgress(progress =>
            {
                for (int i = 0; i < test.Count; i++)
                {
                    for (int k = 0; k < scorers.Count; k++)
                    {
                        MessageSizeMeter.Reset();
                        var w = Stopwatch.StartNew();
                        var score = scorers[k].Score(test[i]);
                        var ms = w.Elapsed.TotalMilliseconds;
                        if (MessageSizeMeter.LargestBytes > largest[k]) { largest[k] = MessageSizeMeter.LargestBytes;
                            largestCall[k] = MessageSizeMeter.LargestCall; }
                        if (i < Warmup) continue; // model caches, shard loading, JIT
                        lat[k].Add(ms);
                        scores[k].Add(score);
                    }
                    progress.Report(new StageProgress("score", (i + 1.0) / test.Count, $"{scorers.Count} paths"));
                }
                return Task.FromResult(0);
            });
            var paths = new List<PathFigures>();
            for (int k = 0; k < scorers.Count; k++)
            {
                double diff = scores[k].Zip(scores[0], (a, b) => Math.Abs((double)a - b)).Max();
                paths.Add(Figures(scorers[k].Path, scorers[k].Shards, lat[k].ToArray(), lat[0].ToArray(), diff,
                    largest[k], largestCall[k] ?? ""));
            }

            var concurrent = new List<ConcurrentFigures>();
            if (clients > 0)
                for (int k = 0; k < scorers.Count; k++)
                    if (scorers[k].Line is { } line)
                        concurrent.Add(await Concurrent(session, line, scorers[k].Shards, clients,
                            test.Skip(Warmup).ToList(), scores[k], paths[k].ImagesPerSecond, ct));
            var report = new ClusterBenchReport(ds.Category, TorchSharp.torch.get_num_threads(), fit.TrainImages,
                manifest.Bank.Core, manifest.Bank.Dim, size, Warmup, paths) { Concurrent = concurrent };
            var json = Path.Combine(outDir, "cluster-bench.json");
            File.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions
            {
                WriteIndented = true,
                PropertyNamingPolicy = JsonNamingPolicy.CamelCase
            }));
            var t = new Table().AddColumns("path", "shards", "img/s", "p50 ms", "p95 ms", "overhead vs single",
                "max |score diff|", "largest message");
            foreach (var p in paths)
                t.AddRow(p.Path, p.Shards.ToString(), $"{p.ImagesPerSecond:0.00}", $"{p.P50Ms:0}", $"{p.P95Ms:0}",
                    $"{p.OverheadVsSingle:P1}",
                    $"{p.MaxAbsScoreDiff:G3}", p.LargestMessageBytes > 0
                    ? $"{p.LargestMessageBytes / 1024.0:0.0} KiB ({Markup.Escape(p.LargestMessageCall)})" : "-");
            AnsiConsole.Write(t);
            if (concurrent.Count > 0)
            {
                var c = new Table().AddColumns("shards", "clients", "images", "img/s", "vs one at a time",
                    "max |score diff| vs one at a time");
                foreach (var x in concurrent)
                {
                    c.AddRow(x.Shards.ToString(), x.Clients.ToString(), x.Images.ToString(),
                        $"{x.ImagesPerSecond:0.00}", $"{x.SpeedupVsOneAtATime:0.00}x",
                        $"{x.MaxAbsScoreDiffVsOneAtATime:G3}");
                }
                AnsiConsole.Write(c);
            }
            AnsiConsole.MarkupLine(
                $"bank {manifest.Bank.Core:N0} x {manifest.Bank.Dim}; wrote [bold]{Markup.Escape(json)}[/]");
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The images through one cluster path by <paramref name="clients"/> closed-loop clients at once (each
    /// sends its next image when the previous one was answered).</summary>
    private static async Task<ConcurrentFigures> Concurrent(ClusterSession session, string line, int shards,
        int clients, List<string> images, List<float> oneAtATime, double oneAtATimeRate, CancellationToken ct)
    {
        AnsiConsole.MarkupLine($"{shards} shard(s): {images.Count} images by {clients} concurrent clients ...");
        var scores = new float[images.Count];
        int next = -1;
        var w = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < images.Count)
                scores[i] = (await session.Client.ScoreAsync(line, await File.ReadAllBytesAsync(images[i], ct),
                    Path.GetFileName(images[i]), ct)).Score;
        }, ct)));
        double seconds = w.Elapsed.TotalSeconds;
        double diff = scores.Zip(oneAtATime, (a, b) => Math.Abs((double)a - b)).Max();
        return new ConcurrentFigures(shards, clients, images.Count, images.Count / seconds,
            images.Count / seconds / oneAtATimeRate, diff);
    }

    private static PathFigures Figures(string path, int shards, double[] lat, double[] singleLat, double diff,
        long largest, string call)
    {
        var sorted = lat.Order().ToArray();
        double Q(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        double mean = lat.Average();
        var f = new PathFigures(path, shards, lat.Length, 1000.0 / mean, Q(0.5), Q(0.95), mean,
            mean / singleLat.Average() - 1, diff, largest, call);
        return f;
    }
}
