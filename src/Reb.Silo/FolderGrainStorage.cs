using System.Security.Cryptography;
using Orleans.Serialization;
using Orleans.Storage;

namespace Reb.Silo;

/// <summary>
/// Grain state as one file per grain in a local folder, for the embedded single-machine cluster: a line's registry
/// survives from one `reb cluster` command to the next (memory storage would forget it when the command's silo stops).
/// Files are written to a temporary name and renamed into place; the ETag is the content hash, checked on write so a
/// concurrent writer is refused instead of silently overwritten. Not meant for several machines (use azureblob/redis).
/// </summary>
public sealed class FolderGrainStorage(string root, Serializer serializer) : IGrainStorage
{
    private readonly string _root = Path.GetFullPath(root);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        var bytes = await File.ReadAllBytesAsync(path);
        try { grainState.State = serializer.Deserialize<T>(bytes); }
        catch (Exception e) { throw new InvalidDataException($"grain state file '{path}' cannot be read ({e.Message}); delete it to start that grain afresh", e); }
        grainState.ETag = ETagOf(bytes);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        var bytes = serializer.SerializeToArray(grainState.State);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.tmp-{Guid.NewGuid():N}";
        await File.WriteAllBytesAsync(temp, bytes);
        File.Move(temp, path, overwrite: true);
        grainState.ETag = ETagOf(bytes);
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        if (File.Exists(path)) File.Delete(path);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    private static void CheckETag(string path, string? expected)
    {
        var current = File.Exists(path) ? ETagOf(File.ReadAllBytes(path)) : null;
        if (current != expected)
            throw new InconsistentStateException($"grain state '{path}' was changed by another writer", current ?? "", expected ?? "");
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        // Grain keys are user text (line names): hash them into a safe file name, keep a readable prefix.
        var key = grainId.ToString();
        var readable = new string(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(60).ToArray());
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];
        return Path.Combine(_root, stateName, $"{readable}-{hash}.bin");
    }

    private static string ETagOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..24];
}
