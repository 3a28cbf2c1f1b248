using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp.Modules;

namespace Reb.Core.Adaptation;

/// <summary>Progress of a run as stored in a checkpoint (the tensors live in files next to it).</summary>
/// <param name="FormatVersion">Checkpoint layout version (<see cref="AdaptationCheckpoint.FormatVersion"/>).</param>
/// <param name="StepsDone">Optimiser steps completed; a resumed run continues at StepsDone + 1.</param>
/// <param name="Options">The recipe of the run.</param>
/// <param name="ImageCount">Number of training images.</param>
/// <param name="ImageListHash">SHA-256 of the training images' full paths in order: a resume must use the same
/// list.</param>
public sealed record CheckpointState(
    int FormatVersion,
    int StepsDone,
    AdaptationOptions Options,
    int ImageCount,
    string ImageListHash,
    IReadOnlyList<double> LossCurve,
    IReadOnlyList<double> AccuracyCurve,
    double Seconds,
    IReadOnlyList<int> ResumedAtSteps);

/// <summary>
/// Checkpoints of an adaptation run, one folder per checkpoint: <c>step-000020/</c> with <c>network.bin</c> (state dict
/// of
/// backbone + head, BatchNorm statistics included), <c>optimizer.bin</c> (SGD momentum buffers, TorchSharp format) and
/// <c>state.json</c>. A folder is written under a temporary name and renamed when complete, so a crash while writing
/// leaves the previous checkpoint intact; older checkpoints are deleted after the rename. The random state needs no
/// saving: step i's data is re-derived from (seed, i) (<see cref="StepRandom"/>), and the learning rate is the
/// closed-form cosine of the step.
/// </summary>
public static class AdaptationCheckpoint
{
    public const int FormatVersion = 1;
    public const string NetworkFile = "network.bin";
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "state.json";
    private const string Prefix = "step-";
    private const string TempSuffix = ".partial";

    /// <summary>The newest complete checkpoint folder in <paramref name="directory"/>, or null if there is
    /// none.</summary>
    public static string? Latest(string directory)
    {
        if (!Directory.Exists(directory)) return null;
        return Directory.EnumerateDirectories(directory, Prefix + "*")
            .Select(d => (Path: d, Step: ParseStep(Path.GetFileName(d))))
            .Where(x => x.Step >= 0)
            .OrderByDescending(x => x.Step)
            .Select(x => x.Path)
            .FirstOrDefault();
    }

    /// <summary>True when <paramref name="directory"/> holds at least one complete checkpoint.</summary>
    public static bool Exists(string directory) => Latest(directory) is not null;

    /// <summary>Reads the state of a checkpoint folder.</summary>
    /// <exception cref="InvalidDataException">Missing or unreadable files (names the file and why).</exception>
    public static CheckpointState ReadState(string checkpointFolder)
    {
        var path = Path.Combine(checkpointFolder, StateFile);
        RequireFile(path);
        CheckpointState? state;
        try { state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(path), AdaptationJson.Options); }
        catch (JsonException e) { throw new InvalidDataException(
            $"Adaptation checkpoint state '{path}' is not valid JSON: {e.Message}", e); }
        if (state is null || state.Options is null || state.LossCurve is null || state.AccuracyCurve is null)
            throw new InvalidDataException($"Adaptation checkpoint state '{path}' is incomplete.");
        if (state.FormatVersion != FormatVersion)
            throw new InvalidDataException($"Adaptation checkpoint '{path}' has format version " +
                $"{state.FormatVersion}; this build reads version {FormatVersion}.");
        if (state.StepsDone != state.LossCurve.Count || state.StepsDone != state.AccuracyCurve.Count
            || state.StepsDone > state.Options.Steps)
            throw new InvalidDataException($"Adaptation checkpoint '{path}' is inconsistent: {state.StepsDone} steps " +
                $"done, {state.LossCurve.Count} losses, {state.Options.Steps} steps planned.");
        return state;
    }

    /// <summary>Loads the network and optimizer tensors of a checkpoint folder into objects built for the same recipe.
    /// Call it outside any dispose scope: the optimizer creates its momentum buffers while loading.</summary>
    /// <exception cref="InvalidDataException">Missing or unreadable files (names the file and why).</exception>
    public static void Load(string checkpointFolder, AdaptationNetwork network, SGD optimizer)
    {
        var networkPath = Path.Combine(checkpointFolder, NetworkFile);
        var optimizerPath = Path.Combine(checkpointFolder, OptimizerFile);
        RequireFile(networkPath);
        RequireFile(optimizerPath);
        try { network.load(networkPath, strict: true); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"Adaptation checkpoint network '{networkPath}' cannot be loaded: {e.Message}", e);
        }
        try { optimizer.load_state_dict(optimizerPath); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"Adaptation checkpoint optimizer state '{optimizerPath}' cannot be loaded: {e.Message}", e);
        }
    }

    /// <summary>Writes a checkpoint for <paramref name="state"/>.StepsDone, then deletes older ones.</summary>
    public static string Save(string directory, CheckpointState state, AdaptationNetwork network, SGD optimizer)
    {
        Directory.CreateDirectory(directory);
        var final = Path.Combine(directory, Prefix + state.StepsDone.ToString("D6", CultureInfo.InvariantCulture));
        var temp = final + TempSuffix;
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        network.save(Path.Combine(temp, NetworkFile));
        optimizer.save_state_dict(Path.Combine(temp, OptimizerFile));
        File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, AdaptationJson.Options));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        foreach (var old in Directory.EnumerateDirectories(directory, Prefix + "*").ToList())
        {
            if (Path.GetFullPath(old) == Path.GetFullPath(final)) continue;
            int step = ParseStep(Path.GetFileName(old));
            if (step >= 0 && step < state.StepsDone || old.EndsWith(TempSuffix, StringComparison.Ordinal))
                Directory.Delete(old, recursive: true);
        }
        return final;
    }

    /// <summary>Deletes every checkpoint folder (complete or partial) in <paramref name="directory"/>; other files are
    /// left alone.</summary>
    public static void Clear(string directory)
    {
        if (!Directory.Exists(directory)) return;
        foreach (var d in Directory.EnumerateDirectories(directory, Prefix + "*").ToList())
        {
            var name = Path.GetFileName(d);
            if (ParseStep(name) >= 0 || name.EndsWith(TempSuffix, StringComparison.Ordinal))
                Directory.Delete(d, recursive: true);
        }
    }

    /// <summary>
    /// Fingerprint of a training list: SHA-256 over each image's file name and content, in order. Not the full paths:
    /// a job resumed on another silo holds the same images in another folder (and MVTec file names alone repeat across
    /// categories, so the content counts too).
    /// </summary>
    public static string HashImageList(IReadOnlyList<string> paths)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in paths)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(path) + "\n"));
            sha.AppendData(File.Exists(path) ? SHA256.HashData(File.ReadAllBytes(path)) : []);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static int ParseStep(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && !name.EndsWith(TempSuffix, StringComparison.Ordinal)
        && int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int step)
        ? step : -1;

    private static void RequireFile(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"Adaptation checkpoint file '{path}' is missing.");
    }
}
