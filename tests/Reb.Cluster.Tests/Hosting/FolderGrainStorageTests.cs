using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using Reb.Abstractions.Contracts;
using Reb.Grains.ProductLines;
using Reb.Silo;

namespace Reb.Cluster.Tests.Hosting;

/// <summary>The embedded cluster's folder grain storage: a line registry outlives the silo; concurrent writers are
/// refused.</summary>
public sealed class FolderGrainStorageTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("reb-grain-storage-").FullName;
    private readonly Serializer _serializer = new ServiceCollection().AddSerializer().BuildServiceProvider()
        .GetRequiredService<Serializer>();
    private static readonly GrainId Line = GrainId.Create("productline", "pcb/line 1"); // a key that is not a file name

    private sealed class TestState<T> : IGrainState<T>
    {
        [AllowNull] public T State { get; set; } = default!; // as IGrainState<T>, whose setter takes null
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    [Fact]
    public async Task State_written_by_one_storage_is_read_back_by_a_new_one()
    {
        var written = new TestState<ProductLineState> { State =
            new ProductLineState { Current = "sha256-ab", Shards = 4, Previous = ["sha256-aa"] } };
        written.State.Versions.Add(new ModelVersionEntry("sha256-ab", DateTimeOffset.UnixEpoch, "published"));
        await new FolderGrainStorage(_root, _serializer).WriteStateAsync("line", Line, written);

        var read = new TestState<ProductLineState>();
        await new FolderGrainStorage(_root, _serializer).ReadStateAsync("line", Line, read); // as after a restart
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal("sha256-ab", read.State.Current);
        Assert.Equal(4, read.State.Shards);
        Assert.Equal(["sha256-aa"], read.State.Previous);
        Assert.Equal("sha256-ab", Assert.Single(read.State.Versions).Version);

        var missing = new TestState<ProductLineState>();
        await new FolderGrainStorage(_root, _serializer)
            .ReadStateAsync("line", GrainId.Create("productline", "other"), missing);
        Assert.False(missing.RecordExists);
        Assert.NotNull(missing.State);
    }

    [Fact]
    public async Task A_write_based_on_a_stale_etag_is_refused_and_the_newer_state_is_kept()
    {
        var storage = new FolderGrainStorage(_root, _serializer);
        var first = new TestState<ProductLineState> { State = new ProductLineState { Current = "v1" } };
        await storage.WriteStateAsync("line", Line, first);
        var stale = new TestState<ProductLineState>
        {
            State = new ProductLineState { Current = "stale" },
            ETag = first.ETag
        };
        first.State.Current = "v2";
        await storage.WriteStateAsync("line", Line, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("line", Line, stale));
        var read = new TestState<ProductLineState>();
        await storage.ReadStateAsync("line", Line, read);
        Assert.Equal("v2", read.State.Current);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
