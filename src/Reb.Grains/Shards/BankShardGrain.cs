using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Grains.Models;
using Orleans.Placement;
using Reb.Grains.Placement;
using Reb.Grains.Training;
using Reb.Grains.Diagnostics;

namespace Reb.Grains.Shards;

/// <summary>
/// Serves one slice of a bank. The slice is loaded on the first query, not in OnActivateAsync: loading a large slice
/// may take longer than activation is allowed to, and a failed load then surfaces as that query's clear error.
/// Queries are read-only and interleave; the search itself runs on the thread pool, off the grain's scheduler.
/// The loaded slice counts against the silo's bank memory budget (<see cref="SiloBankMemory"/>), which may ask an
/// idle shard to deactivate; the next query re-activates it, on whichever silo then has room.
/// </summary>
[PreferGpuPlacement]
// shard I of N on the I-th (filtered) silo: even spread; the default resource-optimised placement piles them up
[ShardSpreadPlacement]
public sealed class BankShardGrain(SiloModelCache models, SiloBankMemory memory, ILocalSiloDetails silo) : Grain,
    IBankShardGrain
{
    private Task<ShardSlice>? _loading;

    private ShardKey Key => ShardKey.Parse(this.GetPrimaryKeyString());

    public async Task<ShardNearest> Nearest(FeatureChunk queries)
    {
        var slice = await Slice(queries.Dim);
        using var use = memory.Use(this.GetPrimaryKeyString());
        return await slice.NearestAsync(queries); // searched on the thread pool, with other requests' chunks
    }

    public async Task<ShardTopK> TopK(FeatureChunk queries, int k, long[] excludeGlobal)
    {
        var slice = await Slice(queries.Dim);
        using var use = memory.Use(this.GetPrimaryKeyString());
        return await Task.Run(() => slice.TopK(queries, k, excludeGlobal));
    }

    public async Task<ShardInfo> Describe()
    {
        var slice = await Slice(expectedDim: null);
        return new ShardInfo(Key.ToString(), slice.Start, slice.Count, slice.Dim, true, silo.SiloAddress.ToString());
    }

    private async Task<ShardSlice> Slice(int? expectedDim)
    {
        _loading ??= LoadResident();
        ShardSlice slice;
        try { slice = await _loading; }
        catch
        {
            _loading = null; // let the next query try again (e.g. the store came back)
            throw;
        }
        if (expectedDim is { } d && d != slice.Dim)
            throw new ArgumentException($"bank shard {Key}: queries have {d} dimensions, the bank has {slice.Dim}");
        return slice;
    }

    /// <summary>Loads the slice, times it as a shard activation and registers its bytes with the silo's
    /// budget.</summary>
    private async Task<ShardSlice> LoadResident()
    {
        var key = this.GetPrimaryKeyString();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        ShardSlice slice;
        try
        {
            await memory.LoadingAsync(key);
            slice = await Load();
        }
        catch
        {
            memory.LoadFailed(key);
            throw;
        }
        var line = new KeyValuePair<string, object?>("line", Key.Line);
        RebMetrics.ShardActivation.Record(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds, line);
        slice.Coalescer.Searched += (requests, _) => RebMetrics.ShardSearchRequests.Record(requests, line);
        var context = GrainContext;
        memory.Resident(key, slice.ResidentBytes, () => context.Deactivate(
            new DeactivationReason(DeactivationReasonCode.HighMemoryPressure,
                "the silo's bank memory budget is exceeded and this shard was idle longest")));
        return slice;
    }

    private async Task<ShardSlice> Load()
    {
        var key = Key;
        if (key.IsFitBank)
        {
            // A training bank slice: the same raw float32 rows as a model's core file, its range from the bank's size.
            var jobId = key.Source[ShardKey.FitPrefix.Length..];
            var info = await TrainingBlobs.ReadBankInfo(models.Artefacts, jobId);
            var blobKey = TrainingBlobs.BankShard(jobId, key.Index, key.Count);
            var bytes = await models.Artefacts.GetBytesAsync(blobKey)
                        ?? throw new InvalidOperationException(
                            $"bank shard {key}: training checkpoint '{blobKey}' is missing");
            var (first, rows) = key.Range(info.Rows);
            if (bytes.LongLength != rows * info.Dim * sizeof(float))
                throw new InvalidDataException(
                    $"bank shard {key}: '{blobKey}' has {bytes.Length} bytes, expected {rows} x {info.Dim} floats");
            return await Task.Run(() => ShardSlice.Create(TensorFiles.AsFloats(bytes), info.Dim, new float[rows], first,
                models.Device));
        }
        LocalModel model;
        try { model = await models.GetAsync(key.Source); }
        catch (Exception e) when (ModelVersionErrors.From(e, key.Source,
            $"bank shard {key}") is { } error) { throw error; }
        var bank = model.Manifest.Bank;
        var (start, count) = key.Range(bank.Core);
        if (count == 0) throw new ArgumentException(
            $"bank shard {key}: the core set has only {bank.Core} rows, too few for {key.Count} shards");
        return await Task.Run(() =>
        {
            var (rows, density) = ModelDirectory.ReadBankSlice(model.Directory, bank, start, count);
            // Cells, when the model asks for them, over this slice's own rows (each shard builds its own).
            var mode = model.Manifest.Ldknn.Search is { } name ? Reb.Core.Search.SearchModes.Parse(name)
                : Reb.Core.Search.SearchMode.Auto;
            return ShardSlice.Create(rows, bank.Dim, density, start, models.Device, mode);
        });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_loading is { IsCompletedSuccessfully: true } t) t.Result.Dispose();
        memory.Released(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }
}
