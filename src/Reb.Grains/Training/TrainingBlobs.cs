using System.Text.Json;
using Reb.Storage;

namespace Reb.Grains.Training;

/// <summary>
/// Names of a training job's checkpoints in the artefact store (under <c>jobs/&lt;job id&gt;/</c>). Arrays are raw
/// float32 / int64 like a model directory's files, so a training bank slice and a model's core slice are one format.
/// </summary>
public static class TrainingBlobs
{
    /// <summary>Where every job's files live.</summary>
    public const string Root = "jobs/";
    public static string Prefix(string jobId) => $"{Root}{jobId}/";

    /// <summary>The job id a key under <see cref="Root"/> belongs to; null for any other key.</summary>
    public static string? JobIdOf(string key) =>
        key.StartsWith(Root, StringComparison.Ordinal) && key.IndexOf('/', Root.Length) is var end and > 0
            && end > Root.Length
            ? key[Root.Length..end]
            : null;
    /// <summary>The adaptation outcome: the adapted backbone's record JSON, or "imagenet" when the guard kept
    /// ImageNet's weights.</summary>
    public static string Adaptation(string jobId) => Prefix(jobId) + "adaptation.json";
    public static string AdaptedWeights(string jobId) => Prefix(jobId) + "backbone.weights";
    /// <summary>Adaptation checkpoints: "step-NNNNNN/{network.bin,optimizer.bin,state.json}" and "latest" naming the
    /// newest complete one.</summary>
    public static string AdaptCheckpoint(string jobId, string file) => Prefix(jobId) + "adapt/" + file;
    public static string Bank(string jobId) => Prefix(jobId) + "bank.f32";
    public static string BankInfo(string jobId) => Prefix(jobId) + "bank.json";
    public static string Coreset(string jobId) => Prefix(jobId) + "coreset.i64";
    /// <summary>The merged neighbour table [core, K] of the density step (the densities are its row means).</summary>
    public static string Neighbours(string jobId) => Prefix(jobId) + "neighbours.f32";
    public static string Threshold(string jobId) => Prefix(jobId) + "threshold.json";
    public static string BankShard(string jobId, int index, int count) => Prefix(jobId) + $"bank-{index}of{count}.f32";

    /// <summary>Deletes every checkpoint of the job; returns how many files and bytes went.</summary>
    public static async Task<(int Files, long Bytes)> DeleteAllAsync(IArtefactStore store, string jobId)
    {
        int files = 0;
        long bytes = 0;
        foreach (var key in await store.ListAsync(Prefix(jobId)))
        {
            var size = await store.SizeAsync(key);
            if (!await store.DeleteAsync(key)) continue;
            files++;
            bytes += size ?? 0;
        }
        return (files, bytes);
    }

    public static async Task<BankCheckpoint> ReadBankInfo(IArtefactStore store, string jobId)
    {
        var key = BankInfo(jobId);
        var bytes = await store.GetBytesAsync(key)
            ?? throw new InvalidDataException($"job {jobId}: checkpoint '{key}' is missing from the artefact store");
        return JsonSerializer.Deserialize<BankCheckpoint>(bytes)
            ?? throw new InvalidDataException($"job {jobId}: '{key}' is empty");
    }
}
