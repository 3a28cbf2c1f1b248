using Reb.Cluster.Tests.TestSupport;
using Reb.Storage;
using Reb.Storage.Inspections;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Storage;

/// <summary>
/// The inspection history on its two databases (SQLite file, the PostgreSQL of infra/start-services.sh): rows go in and
/// come back exactly, queries filter by site, line, time range, verdict and review, reviews stick, and the retention
/// sweep deletes old rows with their images and the images past a line's maximum.
/// </summary>
public sealed class InspectionHistoryTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-history-").FullName;
    private readonly List<string> _databases = [];
    private readonly List<IDisposable> _owned = [];
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in _owned) d.Dispose();
        foreach (var db in _databases) await PostgresDatabases.DropAsync(db);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }

    private async Task<IInspectionHistory> OpenAsync(string kind)
    {
        IInspectionHistory h;
        if (kind == "sqlite")
            h = new SqliteInspectionHistory(Path.Combine(_work, Guid.NewGuid().ToString("N") + ".db"));
        else
        {
            var cs = await PostgresDatabases.CreateAsync();
            _databases.Add(cs);
            var p = new PostgresInspectionHistory(cs);
            _owned.Add(p);
            h = p;
        }
        await h.EnsureSchemaAsync();
        await h.EnsureSchemaAsync(); // idempotent: a restarted silo finds its tables
        return h;
    }

    private static InspectionEntry Entry(string id, int minutes, bool reject, double score, string site = "site-a",
        string line = "pcb",
        string? imageKey = null) =>
        new(id, site, line, "sha256-v1", score, reject, 10.5, 12.25, T0.AddMinutes(minutes), id + ".png", imageKey,
            imageKey is null ? null : imageKey + ".overlay");

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Rows_round_trip_and_queries_filter_by_site_line_time_verdict_and_review(string kind)
    {
        var h = await OpenAsync(kind);
        var a = Entry("a1", 0, reject: true, score: 12.75, imageKey: "inspections/site-a/pcb/a1.png");
        await h.AddAsync(a);
        await h.AddAsync(a with { Score = 99 }); // a retried write: ignored, not a second row nor an overwrite
        await h.AddAsync(Entry("a2", 10, reject: false, score: 3.5));
        await h.AddAsync(Entry("a3", 20, reject: true, score: 11));
        await h.AddAsync(Entry("b1", 5, reject: true, score: 50, site: "site-b"));
        await h.AddAsync(Entry("o1", 5, reject: true, score: 50, line: "other"));

        var back = await h.GetAsync("site-a", "pcb", "a1");
        Assert.Equal(a, back);
        Assert.Null(await h.GetAsync("site-b", "pcb", "a1")); // another site: as if it did not exist

        var all = await h.QueryAsync(new InspectionQuery("site-a", "pcb"));
        Assert.Equal(["a3", "a2", "a1"], all.Select(e => e.Id)); // newest first, only site-a's pcb
        var range = await h.QueryAsync(new InspectionQuery("site-a", "pcb", T0.AddMinutes(5), T0.AddMinutes(20)));
        Assert.Equal(["a2"], range.Select(e => e.Id)); // [from, to)
        var rejects = await h.QueryAsync(new InspectionQuery("site-a", "pcb", Verdict: VerdictFilter.Reject));
        Assert.Equal(["a3", "a1"], rejects.Select(e => e.Id));
        Assert.Equal(["a1"],
            (await h.QueryAsync(new InspectionQuery("site-a", "pcb", WithImageOnly: true))).Select(e => e.Id));
        Assert.Single(await h.QueryAsync(new InspectionQuery("site-b", "pcb")));

        var at = T0.AddHours(1);
        var reviewed = await h.ReviewAsync("site-a", "pcb", "a1", ReviewState.Overturned, "op (k1)", at,
            "scratch on the fixture, part is good");
        Assert.NotNull(reviewed);
        Assert.Equal(ReviewState.Overturned, reviewed!.Review);
        Assert.Equal(false, reviewed.IsDefect);
        Assert.Equal("op (k1)", reviewed.Reviewer);
        Assert.Equal(at, reviewed.ReviewedUtc);
        // other site cannot review it
        Assert.Null(await h.ReviewAsync("site-b", "pcb", "a1", ReviewState.Confirmed, "intruder", at, null));
        Assert.Null(await h.ReviewAsync("site-a", "pcb", "nope", ReviewState.Confirmed, "op", at, null));
        await h.ReviewAsync("site-a", "pcb", "a3", ReviewState.Confirmed, "op", at, null);
        Assert.Equal(true, (await h.GetAsync("site-a", "pcb", "a3"))!.IsDefect);
        Assert.Equal(["a3", "a1"], (
            await h.QueryAsync(new InspectionQuery("site-a", "pcb", Review: ReviewFilter.Reviewed))).Select(e => e.Id));
        Assert.Equal(["a2"],
            (await h.QueryAsync(new InspectionQuery("site-a", "pcb", Review: ReviewFilter.None))).Select(e => e.Id));
        Assert.Equal(["a1"], (await h.QueryAsync(new InspectionQuery("site-a", "pcb", Review: ReviewFilter.Overturned)))
            .Select(e => e.Id));

        await h.MarkBankedAsync("site-a", "pcb", ["a1"], "sha256-v2");
        Assert.Equal("sha256-v2", (await h.GetAsync("site-a", "pcb", "a1"))!.BankVersion);

        Assert.Null(await h.GetRetentionAsync("site-a", "pcb"));
        await h.SetRetentionAsync("site-a", "pcb", new RetentionPolicy(7, 100));
        await h.SetRetentionAsync("site-a", "pcb", new RetentionPolicy(30, 5));
        Assert.Equal(new RetentionPolicy(30, 5), await h.GetRetentionAsync("site-a", "pcb"));
        Assert.Null(await h.GetRetentionAsync("site-b", "pcb"));

        var csv = InspectionCsv.Write(all);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(InspectionCsv.Header, lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("a3,site-a,pcb,2026-03-01T08:20:00.0000000Z,sha256-v1,11,reject,10.5,12.25,", lines[1]);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Retention_deletes_old_rows_with_their_images_and_images_past_the_maximum(string kind)
    {
        var h = await OpenAsync(kind);
        var store = new LocalFolderArtefactStore(Path.Combine(_work, "store-" + kind), ModelDirectoryFormat.Instance);
        var now = T0.AddDays(100);
        async Task Add(string id, DateTimeOffset at)
        {
            var key = $"inspections/site-a/pcb/{id}.png";
            await store.PutBytesAsync(key, [1, 2, 3]);
            await store.PutBytesAsync(key + ".overlay", [4, 5]);
            await h.AddAsync(new InspectionEntry(id, "site-a", "pcb", "v", 1, true, 1, 1, at, id, key,
                key + ".overlay"));
        }
        await Add("old1", now.AddDays(-40));
        await Add("old2", now.AddDays(-31));
        for (int i = 0; i < 4; i++) await Add($"new{i}", now.AddDays(-3).AddMinutes(i));
        await h.SetRetentionAsync("site-a", "pcb", new RetentionPolicy(30, 2));

        var sweep = await new InspectionRetention(h, store, new InspectionHistorySettings()).SweepAsync(now);

        Assert.Equal(2, sweep.RowsDeleted);
        Assert.Equal(8, sweep.ImagesDeleted); // 2 old rows + the 2 oldest new rows, image and overlay each
        Assert.Null(await h.GetAsync("site-a", "pcb", "old1"));
        var left = await h.QueryAsync(new InspectionQuery("site-a", "pcb"));
        Assert.Equal(["new3", "new2", "new1", "new0"], left.Select(e => e.Id));
        Assert.All(left.Take(2), e => Assert.NotNull(e.ImageKey));
        Assert.All(left.Skip(2), e => Assert.Null(e.ImageKey));
        var stored = await store.ListAsync("inspections/");
        Assert.Equal(["inspections/site-a/pcb/new2.png", "inspections/site-a/pcb/new2.png.overlay",
            "inspections/site-a/pcb/new3.png",
            "inspections/site-a/pcb/new3.png.overlay"], stored);

        // A second sweep finds nothing more to do.
        Assert.Equal(new RetentionSweep(0, 0),
            await new InspectionRetention(h, store, new InspectionHistorySettings()).SweepAsync(now));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Retention_keeps_reviewed_images_past_the_maximum_until_their_days_end(string kind)
    {
        var h = await OpenAsync(kind);
        var store =
            new LocalFolderArtefactStore(Path.Combine(_work, "store-rev-" + kind), ModelDirectoryFormat.Instance);
        var now = T0.AddDays(100);
        async Task Add(string id, DateTimeOffset at)
        {
            var key = $"inspections/site-a/pcb/{id}.png";
            await store.PutBytesAsync(key, [1, 2, 3]);
            await h.AddAsync(new InspectionEntry(id, "site-a", "pcb", "v", 1, true, 1, 1, at, id, key, null));
        }
        // Two reviewed rejects from early on (an overturned one: a good part to add to the bank; a confirmed defect),
        // then 5 unreviewed inspections; one reviewed part is past the 30 days.
        await Add("expired-reviewed", now.AddDays(-31));
        await Add("good-part", now.AddDays(-20));
        await Add("defect", now.AddDays(-19));
        for (int i = 0; i < 5; i++) await Add($"new{i}", now.AddDays(-3).AddMinutes(i));
        foreach (var (id, state) in new[]
        {
            ("expired-reviewed", ReviewState.Confirmed),
            ("good-part", ReviewState.Overturned),
            ("defect", ReviewState.Confirmed)
        })
            Assert.NotNull(await h.ReviewAsync("site-a", "pcb", id, state, "qa", now.AddDays(-2), null));
        await h.SetRetentionAsync("site-a", "pcb", new RetentionPolicy(30, 2));

        var sweep = await new InspectionRetention(h, store, new InspectionHistorySettings()).SweepAsync(now);

        Assert.Equal(1, sweep.RowsDeleted); // the reviewed row past its days goes, image and all
        Assert.Equal(4, sweep.ImagesDeleted); // that one + the 3 oldest unreviewed past the newest 2
        var left = (await h.QueryAsync(new InspectionQuery("site-a", "pcb"))).ToDictionary(e => e.Id);
        Assert.False(left.ContainsKey("expired-reviewed"));
        Assert.NotNull(left["good-part"].ImageKey);
        Assert.NotNull(left["defect"].ImageKey);
        Assert.NotNull(left["new4"].ImageKey);
        Assert.NotNull(left["new3"].ImageKey);
        Assert.All(new[] { "new0", "new1", "new2" }, id => Assert.Null(left[id].ImageKey));
        Assert.Equal(["inspections/site-a/pcb/defect.png", "inspections/site-a/pcb/good-part.png",
            "inspections/site-a/pcb/new3.png", "inspections/site-a/pcb/new4.png"],
                await store.ListAsync("inspections/"));
    }

    [Fact]
    public async Task Silos_starting_together_create_the_postgres_schema_once_without_racing()
    {
        var cs = await PostgresDatabases.CreateAsync();
        _databases.Add(cs);
        var histories = Enumerable.Range(0, 4).Select(_ => new PostgresInspectionHistory(cs)).ToList();
        _owned.AddRange(histories);
        await Task.WhenAll(histories.Select(h => h.EnsureSchemaAsync()));
        await histories[0].AddAsync(Entry("x", 0, true, 1));
        Assert.NotNull(await histories[3].GetAsync("site-a", "pcb", "x"));
    }

    [Fact]
    public async Task An_unreachable_postgres_fails_fast_and_names_the_server()
    {
        using var h = new PostgresInspectionHistory("Host=127.0.0.1;Port=1;Username=reb;Database=reb;Timeout=3");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => h.EnsureSchemaAsync());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Contains("127.0.0.1:1", h.Description);
        Assert.NotEmpty(e.Message);
    }

    [Fact]
    public void Accepts_are_sampled_one_in_n_and_rejects_always_kept()
    {
        var images = new InspectionImages(new InspectionHistorySettings { SampleAcceptsEvery = 20 });
        Assert.Equal(5, Enumerable.Range(0, 100).Count(_ => images.ShouldStore(reject: false)));
        Assert.True(Enumerable.Range(0, 10).All(_ => images.ShouldStore(reject: true)));
        var none = new InspectionImages(new InspectionHistorySettings { SampleAcceptsEvery = 0 });
        Assert.DoesNotContain(true, Enumerable.Range(0, 50).Select(_ => none.ShouldStore(false)));
        Assert.Equal("png", InspectionImages.Extension([0x89, (byte)'P', (byte)'N', (byte)'G']));
    }
}
