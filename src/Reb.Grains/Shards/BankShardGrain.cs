using System.Runtime.InteropServices;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Storage;
using Reb.Grains.Models;
using Orleans.Placement;
using Reb.Grains.Placement;
using Reb.Grains.Compute;

namespace Reb.Grains.Shards;

/// <summary>
/// Serves one slice of a bank. The slice is loaded on the first query, not in OnActivateAsync: loading a large slice
/// may take longer than activation is allowed to, and a failed load then surfaces as that query's clear error.
/// Queries are read-only and interleave; the search itself runs through the silo's <see cref="ComputeGate"/>, off the
/// grain's scheduler.
/// </summary>
[PreferGpuPlacement]
[RandomPlacement] // spread shards over the (filtered) silos; the default resource-optimised placement piles them up
public sealed class BankShardGrain(SiloModelCache models, ComputeGate compute, ILocalSiloDetails silo) : Grain, IBankShardGrain
{
    private Task<ShardSlice>? _loading;

    private ShardKey Key => ShardKey.Parse(this.GetPrimaryKeyString());

    public async Task<ShardNearest> Nearest(FeatureChunk queries)
    {
        var slice = await Slice(queries.Dim);
        return await compute.RunAsync(() => slice.Nearest(queries));
    }

    public async Task<ShardTopK> TopK(FeatureChunk queries, int k, long[] excludeGlobal)
    {
        var slice = await Slice(queries.Dim);
        return await compute.RunAsync(() => slice.TopK(queries, k, excludeGlobal));
    }

    public async Task<ShardInfo> Describe()
    {
        var slice = await Slice(expectedDim: null);
        return new ShardInfo(Key.ToString(), slice.Start, slice.Count, slice.Dim, true, silo.SiloAddress.ToString());
    }

    private async Task<ShardSlice> Slice(int? expectedDim)
    {
        _loading ??= Load();
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

    private async Task<ShardSlice> Load()
    {
        var key = Key;
        if (key.IsFitBank)
        {
            var blobKey = TrainingBlobs.BankShard(key.Source[ShardKey.FitPrefix.Length..], key.Index, key.Count);
            var bytes = await models.Artefacts.GetBytesAsync(blobKey)
                        ?? throw new InvalidOperationException($"bank shard {key}: training checkpoint '{blobKey}' is missing");
            return await Task.Run(() => TrainingBlobs.ReadBankShard(bytes, blobKey));
        }
        LocalModel model;
        try { model = await models.GetAsync(key.Source); }
        catch (Exception e) when (e is ModelFormatException or ModelNotFoundException) { throw new ModelVersionException($"bank shard {key}: {e.Message}"); }
        var bank = model.Manifest.Bank;
        var (start, count) = key.Range(bank.Core);
        if (count == 0) throw new ArgumentException($"bank shard {key}: the core set has only {bank.Core} rows, too few for {key.Count} shards");
        return await Task.Run(() =>
        {
            var rows = ShardSlice.ReadRows(Path.Combine(model.Directory, bank.CoreFile), start, count, bank.Dim);
            var density = ShardSlice.ReadRows(Path.Combine(model.Directory, bank.DensityFile), start, count, 1);
            return ShardSlice.Create(rows, bank.Dim, density, start);
        });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_loading is { IsCompletedSuccessfully: true } t) t.Result.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>Blob names and formats of a training job's checkpoints in the artefact store.</summary>
public static class TrainingBlobs
{
    public static string Prefix(string jobId) => $"jobs/{jobId}/";
    public static string Bank(string jobId) => Prefix(jobId) + "bank.f32";
    public static string BankInfo(string jobId) => Prefix(jobId) + "bank.json";
    public static string Coreset(string jobId) => Prefix(jobId) + "coreset.i64";
    public static string Density(string jobId) => Prefix(jobId) + "density.f32";
    public static string BankShard(string jobId, int index, int count) => Prefix(jobId) + $"bank-{index}of{count}.f32";

    /// <summary>Shard blob = [start, rows, dim] as int64, then rows x dim float32.</summary>
    public static byte[] WriteBankShard(ReadOnlySpan<float> rows, long start, int dim)
    {
        long n = rows.Length / dim;
        var bytes = new byte[24 + rows.Length * sizeof(float)];
        MemoryMarshal.Write(bytes.AsSpan(0), start);
        MemoryMarshal.Write(bytes.AsSpan(8), n);
        MemoryMarshal.Write(bytes.AsSpan(16), (long)dim);
        MemoryMarshal.AsBytes(rows).CopyTo(bytes.AsSpan(24));
        return bytes;
    }

    public static ShardSlice ReadBankShard(byte[] bytes, string source)
    {
        if (bytes.Length < 24) throw new InvalidDataException($"{source}: too short for a bank shard header");
        long start = MemoryMarshal.Read<long>(bytes.AsSpan(0)), n = MemoryMarshal.Read<long>(bytes.AsSpan(8));
        int dim = (int)MemoryMarshal.Read<long>(bytes.AsSpan(16));
        if (dim <= 0 || bytes.LongLength != 24 + n * dim * sizeof(float))
            throw new InvalidDataException($"{source}: {bytes.Length} bytes do not hold {n} x {dim} floats");
        var rows = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(24)).ToArray();
        return ShardSlice.Create(rows, dim, new float[n], start);
    }
}
