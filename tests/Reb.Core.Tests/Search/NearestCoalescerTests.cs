using Reb.Core.Search;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Search;

/// <summary>
/// Requests that reach a shard while its search runs are searched together, each getting its own answers: with a
/// search the test holds up (which requests shared a search is then certain), and with the real cell search (answers
/// bit for bit those of each request alone).
/// </summary>
public class NearestCoalescerTests
{
    private const int Dim = 4;

    /// <summary>A search that records each call's row count, answers row r of the call with (first value, r) and
    /// can be held at its first call.</summary>
    private sealed class HeldSearch
    {
        public readonly List<int> Calls = [];
        public readonly SemaphoreSlim Entered = new(0);
        public readonly ManualResetEventSlim Release = new(false);
        public Func<int, bool> FailCall { get; init; } = _ => false;

        public (float[] Distances, long[] Indices) Search(Tensor q)
        {
            int call;
            lock (Calls) { Calls.Add((int)q.shape[0]); call = Calls.Count; }
            Entered.Release();
            if (call == 1) Release.Wait(TimeSpan.FromSeconds(30));
            if (FailCall(call)) throw new InvalidOperationException($"search {call} failed");
            var values = q.data<float>().ToArray();
            var rows = (int)q.shape[0];
            return (Enumerable.Range(0, rows).Select(r => values[r * Dim]).ToArray(),
                Enumerable.Range(0, rows).Select(r => (long)r).ToArray());
        }
    }

    /// <summary>Request <paramref name="id"/> of <paramref name="rows"/> queries, each starting with id * 100 + row.
    /// </summary>
    private static float[] Queries(int id, int rows) =>
        Enumerable.Range(0, rows).SelectMany(r => new float[] { id * 100 + r, 0, 0, 0 }).ToArray();

    private static void AssertOwn(int id, int rows, (float[] Distances, long[] Indices) answer, long firstRow)
    {
        Assert.Equal(Enumerable.Range(0, rows).Select(r => (float)(id * 100 + r)), answer.Distances);
        Assert.Equal(Enumerable.Range(0, rows).Select(r => firstRow + r), answer.Indices);
    }

    [Fact]
    public async Task Requests_that_arrive_during_a_search_share_the_next_one_and_get_their_own_answers()
    {
        var held = new HeldSearch();
        var coalescer = new NearestCoalescer(held.Search, Dim);
        var first = coalescer.NearestAsync(Queries(1, 3), 3);
        Assert.True(await held.Entered.WaitAsync(TimeSpan.FromSeconds(30)), "the first request did not start at once");
        var b = coalescer.NearestAsync(Queries(2, 2), 2);
        var c = coalescer.NearestAsync(Queries(3, 5), 5);
        var d = coalescer.NearestAsync(Queries(4, 1), 1);
        Assert.False(b.IsCompleted);
        held.Release.Set();

        AssertOwn(1, 3, await first, 0);
        // b, c and d were one search of 8 rows, in arrival order: each answer is its own slice of it.
        AssertOwn(2, 2, await b, 0);
        AssertOwn(3, 5, await c, 2);
        AssertOwn(4, 1, await d, 7);
        Assert.Equal(new[] { 3, 8 }, held.Calls);
        Assert.Equal(2, coalescer.Searches);

        // Idle again: a lone request runs at once, alone.
        AssertOwn(5, 4, await coalescer.NearestAsync(Queries(5, 4), 4), 0);
        Assert.Equal(new[] { 3, 8, 4 }, held.Calls);
    }

    [Fact]
    public async Task A_search_takes_at_most_MaxQueries_but_a_larger_request_still_runs_alone()
    {
        var held = new HeldSearch();
        var coalescer = new NearestCoalescer(held.Search, Dim, maxQueries: 6);
        var first = coalescer.NearestAsync(Queries(1, 1), 1);
        Assert.True(await held.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        var queued = new[] { (2, 3), (3, 3), (4, 2), (5, 9), (6, 1) }
            .Select(x => (x.Item1, x.Item2, coalescer.NearestAsync(Queries(x.Item1, x.Item2), x.Item2))).ToList();
        held.Release.Set();
        await first;
        foreach (var (_, _, t) in queued) await t;
        // 3 + 3 fill one search; 2 alone (2 + 9 > 6); 9 alone although over the limit; then 1.
        Assert.Equal(new[] { 1, 6, 2, 9, 1 }, held.Calls);
        AssertOwn(3, 3, await queued[1].Item3, 3);
        AssertOwn(5, 9, await queued[3].Item3, 0);
    }

    [Fact]
    public async Task A_failed_search_fails_the_requests_it_served_and_the_next_ones_still_run()
    {
        var held = new HeldSearch { FailCall = call => call == 2 };
        var coalescer = new NearestCoalescer(held.Search, Dim);
        var first = coalescer.NearestAsync(Queries(1, 1), 1);
        Assert.True(await held.Entered.WaitAsync(TimeSpan.FromSeconds(30)));
        var b = coalescer.NearestAsync(Queries(2, 1), 1);
        var c = coalescer.NearestAsync(Queries(3, 1), 1);
        held.Release.Set();
        await first;
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => b);
        Assert.Contains("search 2 failed", e.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => c);
        AssertOwn(4, 2, await coalescer.NearestAsync(Queries(4, 2), 2), 0);
    }

    [Fact]
    public async Task Queries_of_the_wrong_size_are_refused_before_they_reach_a_search()
    {
        var held = new HeldSearch();
        var coalescer = new NearestCoalescer(held.Search, Dim);
        var e = Assert.Throws<ArgumentException>(() => { _ = coalescer.NearestAsync(new float[7], 2); });
        Assert.Contains("7 values are not 2 queries of 4 dimensions", e.Message);
        Assert.Empty((await coalescer.NearestAsync(Array.Empty<float>(), 0)).Distances);
        Assert.Empty(held.Calls);
    }

    /// <summary>The real cell search: many requests at once, coalesced however they arrive, answer exactly what each
    /// answers alone (indices and float32 distances, bit for bit).</summary>
    [Fact]
    public async Task Concurrent_requests_on_the_cell_search_answer_what_each_answers_alone()
    {
        using var gen = new Generator(7);
        using var centres = randn(new long[] { 10, 32 }, generator: gen) * 4f;
        using var pick = randint(10, new long[] { 8000 }, generator: gen);
        using var noise = randn(new long[] { 8000, 32 }, generator: gen) * 0.3f;
        using var rows = (centres.index_select(0, pick) + noise).contiguous();
        using var bank = KnnBank.Create(rows);
        using var search = KnnSearch.Create(bank, SearchMode.Cells);
        Assert.Equal(SearchMode.Cells, search.Mode);
        var requests = Enumerable.Range(0, 24).Select(i =>
        {
            using var q = randn(new long[] { 40 + i, 32 }, generator: gen) * (i % 3 == 2 ? 6f : 4f);
            return q.contiguous().data<float>().ToArray();
        }).ToList();
        var alone = requests.Select(q =>
        {
            using var t = tensor(q).reshape(q.Length / 32, 32);
            using var r = search.Search(t, 1);
            return (r.Distances.data<float>().ToArray(), r.Indices.data<long>().ToArray());
        }).ToList();

        // The first request's search is held until all the others have queued: they share the second search.
        using var entered = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim(false);
        int calls = 0;
        var coalescer = new NearestCoalescer(q =>
        {
            if (Interlocked.Increment(ref calls) == 1) { entered.Release(); release.Wait(TimeSpan.FromSeconds(30)); }
            using var r = search.Search(q, 1);
            return (r.Distances.data<float>().ToArray(), r.Indices.data<long>().ToArray());
        }, 32);
        var first = coalescer.NearestAsync(requests[0], requests[0].Length / 32);
        Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(30)));
        var rest = requests.Skip(1).Select(q => coalescer.NearestAsync(q, q.Length / 32)).ToList();
        release.Set();
        var together = new[] { await first }.Concat(await Task.WhenAll(rest)).ToList();
        for (int i = 0; i < requests.Count; i++)
        {
            Assert.Equal(alone[i].Item2, together[i].Indices);
            Assert.Equal(alone[i].Item1.Select(BitConverter.SingleToInt32Bits),
                together[i].Distances.Select(BitConverter.SingleToInt32Bits));
        }
        Assert.Equal(2, coalescer.Searches);
    }
}
