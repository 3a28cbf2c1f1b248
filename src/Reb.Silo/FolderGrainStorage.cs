using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace Reb.Silo;

/// <summary>
/// Grain state as one file per grain in a local folder, for the embedded single-machine cluster: a line's registry
/// survives from one `reb cluster` command to the next (memory storage would forget it when the command's silo stops).
/// Files are written to a temporary name and renamed into place; the ETag is the content hash, checked on write so a
/// concurrent writer is refused instead of silently overwritten. Not meant for several machines (use azureblob/redis).
/// Every write also keeps a second copy ("*.bin.good"); a state file that cannot be read (torn by a disk fault or a
/// hand edit) is refused by name in the log, set aside as "*.refused-&lt;time&gt;" and replaced by that copy, so one
/// bad file does not keep a grain (the API key store: every request) from activating.
/// </summary>
public sealed class FolderGrainStorage(string root, Serializer serializer, ILogger? logger = null) : IGrainStorage
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
        if (!TryDeserialize<T>(bytes, out var state, out var error))
        {
            var good = GoodCopyOf(path);
            if (!File.Exists(good) || !TryDeserialize<T>(bytes = await File.ReadAllBytesAsync(good), out state, out _))
                throw new InvalidDataException(
                    $"grain state file '{path}' cannot be read ({error!.Message}) and has no " +
                                               "readable good copy; delete it to start that grain afresh", error);
            var refused = $"{path}.refused-{DateTime.UtcNow:yyyyMMddTHHmmssfff}";
            logger?.LogError(error, "grain state file {Path} cannot be read ({Reason}); set aside as {Refused}, " +
                                    "its last good copy is used", path, error!.Message, refused);
            File.Move(path, refused);
            await WriteAtomicallyAsync(path, bytes);
        }
        grainState.State = state!;
        grainState.ETag = ETagOf(bytes);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        var bytes = serializer.SerializeToArray(grainState.State);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await WriteAtomicallyAsync(path, bytes);
        await WriteAtomicallyAsync(GoodCopyOf(path), bytes);
        grainState.ETag = ETagOf(bytes);
        grainState.RecordExists = true;
    }

    private bool TryDeserialize<T>(byte[] bytes, out T? state, out Exception? error)
    {
        try
        {
            if (bytes.Length == 0) throw new InvalidDataException("the file is empty");
            state = serializer.Deserialize<T>(bytes);
            error = null;
            return true;
        }
        catch (Exception e)
        {
            state = default;
            error = e;
            return false;
        }
    }

    private static string GoodCopyOf(string path) => path + ".good";

    /// <summary>Written to a temporary name and renamed into place: a crash leaves the old file or the new
    /// one.</summary>
    private static async Task WriteAtomicallyAsync(string path, byte[] bytes)
    {
        var temp = $"{path}.tmp-{Guid.NewGuid():N}";
        await File.WriteAllBytesAsync(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathOf(stateName, grainId);
        CheckETag(path, grainState.ETag);
        if (File.Exists(path)) File.Delete(path);
        if (File.Exists(GoodCopyOf(path))) File.Delete(GoodCopyOf(path));
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
        return Task.CompletedTask;
    }

    private static void CheckETag(string path, string? expected)
    {
        var current = File.Exists(path) ? ETagOf(File.ReadAllBytes(path)) : null;
        if (current != expected)
            throw new InconsistentStateException($"grain state '{path}' was changed by another writer", current ?? "",
                expected ?? "");
    }

    private string PathOf(string stateName, GrainId grainId)
    {
        // Grain keys are user text (line names): hash them into a safe file name, keep a readable prefix.
        var key = grainId.ToString();
        var readable = new string(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')
            .Take(60).ToArray());
        var hash = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)))[..16];
        return Path.Combine(_root, stateName, $"{readable}-{hash}.bin");
    }

    private static string ETagOf(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..24];
}
