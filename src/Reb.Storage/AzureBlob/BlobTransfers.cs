using System.Buffers;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Reb.Storage;

/// <summary>
/// Block-wise uploads and range-wise downloads, each block one call under the resilience pipeline, so a transient
/// failure repeats one block, not a whole file, and memory stays at one block whatever the file size. Content is
/// hashed on the way and its SHA-256 kept in blob metadata.
/// </summary>
internal sealed class BlobTransfers(ArtefactStoreResilience resilience, int blockBytes)
{
    public const string Sha256Metadata = "sha256";

    /// <summary>A completed download: what was read, and the metadata the blob carried.</summary>
    public sealed record Downloaded(Stream Destination, StoredFile Actual, IDictionary<string, string> Metadata);

    /// <summary>
    /// Uploads <paramref name="content"/> (any stream, read once) to <paramref name="blob"/>. <paramref name="check"/>
    /// sees the size and hash of what was sent and may veto it: then nothing is committed and the old blob (if any)
    /// stays. Returns size and hash.
    /// </summary>
    public async Task<StoredFile> UploadAsync(BlockBlobClient blob, Stream content, Action<StoredFile>? check,
        CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(blockBytes);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var n = await ReadBlockAsync(content, buffer, ct).ConfigureAwait(false);
            if (n < blockBytes)
            {
                // Fits in one block: one Put Blob call.
                hash.AppendData(buffer, 0, n);
                var entry = Finish(hash, n, check);
                await resilience.ExecuteAsync($"upload {blob.Name}", async t =>
                {
                    await blob.UploadAsync(new MemoryStream(buffer, 0, n, writable: false),
                        new BlobUploadOptions { Metadata = MetadataFor(entry) }, t).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);
                return entry;
            }

            // Random per-upload prefix: two concurrent uploads of one blob never mix each other's staged blocks.
            var uploadId = Guid.NewGuid().ToByteArray();
            var ids = new List<string>();
            long total = 0;
            while (n > 0)
            {
                var id = BlockId(uploadId, ids.Count);
                var length = n;
                await resilience.ExecuteAsync($"upload {blob.Name} block {ids.Count}", async t =>
                {
                    await blob.StageBlockAsync(id, new MemoryStream(buffer, 0, length, writable: false), options: null,
                        t).ConfigureAwait(false);
                }, ct).ConfigureAwait(false);
                hash.AppendData(buffer, 0, n);
                ids.Add(id);
                total += n;
                n = await ReadBlockAsync(content, buffer, ct).ConfigureAwait(false);
            }
            var done = Finish(hash, total, check);
            await resilience.ExecuteAsync($"commit {blob.Name} ({ids.Count} blocks)", async t =>
            {
                await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { Metadata = MetadataFor(done) }, t)
                    .ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            return done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Properties of the blob, or null when it (or its container) does not exist.</summary>
    public async Task<BlobProperties?> TryGetPropertiesAsync(BlobBaseClient blob, CancellationToken ct)
    {
        try
        {
            return await resilience.ExecuteAsync($"read properties of {blob.Name}",
                async t => (await blob.GetPropertiesAsync(conditions: null, t).ConfigureAwait(false)).Value, ct)
                    .ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404) { return null; }
    }

    /// <summary>
    /// Downloads the blob range by range into the stream made by <paramref name="open"/> (given the length), hashing
    /// it.
    /// Null when there is no such blob. Every range is pinned to the ETag seen first; if the blob is replaced meanwhile
    /// the download starts over (a few times) rather than mixing two versions.
    /// </summary>
    public async Task<Downloaded?> DownloadAsync(BlobBaseClient blob, Func<long, Stream> open, CancellationToken ct)
    {
        for (var round = 1; ; round++)
        {
            var props = await TryGetPropertiesAsync(blob, ct).ConfigureAwait(false);
            if (props == null) return null;
            var destination = open(props.ContentLength);
            try
            {
                var actual = await DownloadRangesAsync(blob, props, destination, ct).ConfigureAwait(false);
                destination.Position = 0;
                return new Downloaded(destination, actual, props.Metadata);
            }
            catch (RequestFailedException e) when (e.Status is 412 or 404 && round < 3)
            {
                await destination.DisposeAsync().ConfigureAwait(false); // replaced or deleted while reading: look again
            }
            catch
            {
                await destination.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task<StoredFile> DownloadRangesAsync(BlobBaseClient blob, BlobProperties props, Stream destination,
        CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(blockBytes);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var pinned = new BlobRequestConditions { IfMatch = props.ETag };
            for (long offset = 0; offset < props.ContentLength; offset += blockBytes)
            {
                var length = (int)Math.Min(blockBytes, props.ContentLength - offset);
                var from = offset;
                // The body is read inside the attempt, so the attempt timeout covers a stalled transfer too.
                await resilience.ExecuteAsync($"download {blob.Name} bytes {from}-{from + length - 1}", async t =>
                {
                    var response = await blob.DownloadStreamingAsync(
                        new BlobDownloadOptions { Range = new HttpRange(from, length), Conditions = pinned }, t)
                            .ConfigureAwait(false);
                    await using var body = response.Value.Content;
                    var read = await ReadBlockAsync(body, buffer.AsMemory(0, length), t).ConfigureAwait(false);
                    if (read != length)
                        throw new IOException($"connection ended after {read} of {length} bytes of {blob.Name}");
                }, ct).ConfigureAwait(false);
                hash.AppendData(buffer, 0, length);
                await destination.WriteAsync(buffer.AsMemory(0, length), ct).ConfigureAwait(false);
            }
            await destination.FlushAsync(ct).ConfigureAwait(false);
            return new StoredFile(Convert.ToHexStringLower(hash.GetHashAndReset()), props.ContentLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static StoredFile Finish(IncrementalHash hash, long bytes, Action<StoredFile>? check)
    {
        var entry = new StoredFile(Convert.ToHexStringLower(hash.GetHashAndReset()), bytes);
        check?.Invoke(entry);
        return entry;
    }

    private static Dictionary<string, string> MetadataFor(StoredFile e) => new() { [Sha256Metadata] = e.Sha256 };

    private static string BlockId(byte[] uploadId, int index)
    {
        // All ids of one blob must have the same length: 16 bytes of upload id + 4 bytes of index.
        var bytes = new byte[20];
        uploadId.CopyTo(bytes, 0);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), index);
        return Convert.ToBase64String(bytes);
    }

    private Task<int> ReadBlockAsync(Stream s, byte[] buffer, CancellationToken ct)
        => ReadBlockAsync(s, buffer.AsMemory(0, blockBytes), ct).AsTask();

    private static async ValueTask<int> ReadBlockAsync(Stream s, Memory<byte> buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await s.ReadAsync(buffer[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
