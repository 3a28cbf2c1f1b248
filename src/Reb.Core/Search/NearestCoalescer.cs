using static TorchSharp.torch;

namespace Reb.Core.Search;

/// <summary>
/// Nearest-row searches of callers that arrive together (a bank shard serving many scoring requests, each image in
/// chunks) run as one search of all their queries. A request that finds no search running starts one at once, so a lone
/// request waits for nothing; requests that arrive while a search runs queue and are then searched together, up to
/// <see cref="MaxQueries"/> queries. One large search beats several small ones: the cells' tiles are shared by more
/// queries (fewer, larger GEMMs) and the flat kernel reads the bank once for all of them. Several searches at once on
/// the same cores only competed for them.
/// The answers are each request's own: every query's nearest row is exact whichever queries share its search (the
/// float64 re-rank, ties to the lowest row), so coalescing changes no score.
/// </summary>
public sealed class NearestCoalescer
{
    /// <summary>Queries of one coalesced search: 32 images of 32 x 32 patches, as InspectionModel.ScoreAll.</summary>
    public const int DefaultMaxQueries = 32_768;

    private readonly Func<Tensor, (float[] Distances, long[] Indices)> _search;
    private readonly int _dim;
    private readonly object _lock = new();
    private readonly Queue<Request> _queue = new();
    private bool _running;
    private long _searches;

    /// <summary>Coalesces 1-NN searches of <paramref name="search"/>.</summary>
    public NearestCoalescer(KnnSearch search, int maxQueries = DefaultMaxQueries)
        : this(q => Nearest(search, q), search?.Bank.Dim ?? throw new ArgumentNullException(nameof(search)),
            maxQueries) { }

    /// <summary>Coalesces the searches of <paramref name="search"/>, a [rows, dim] -> per-row (distance, row) function
    /// (tests pass one they can hold up).</summary>
    public NearestCoalescer(Func<Tensor, (float[] Distances, long[] Indices)> search, int dim,
        int maxQueries = DefaultMaxQueries)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueries, 1);
        _search = search;
        _dim = dim;
        MaxQueries = maxQueries;
    }

    /// <summary>Most queries one search takes (a single larger request still runs, alone).</summary>
    public int MaxQueries { get; }

    /// <summary>Searches run so far (each serves one or more requests).</summary>
    public long Searches => Interlocked.Read(ref _searches);

    /// <summary>After each search that answered: how many requests and queries it served (for metrics).</summary>
    public event Action<int, int>? Searched;

    /// <summary>
    /// The nearest row of each of <paramref name="rows"/> queries, <paramref name="queries"/> row-major float32.
    /// Completes on the thread pool when the search that took it has run; its failure fails every request it served.
    /// </summary>
    public Task<(float[] Distances, long[] Indices)> NearestAsync(ReadOnlyMemory<float> queries, int rows)
    {
        if (rows < 0 || queries.Length != (long)rows * _dim)
            throw new ArgumentException($"{queries.Length} values are not {rows} queries of {_dim} dimensions",
                nameof(queries));
        if (rows == 0) return Task.FromResult((Array.Empty<float>(), Array.Empty<long>()));
        var request = new Request(queries, rows);
        bool start;
        lock (_lock)
        {
            _queue.Enqueue(request);
            start = !_running;
            _running = true;
        }
        if (start) _ = Task.Run(Drain);
        return request.Done.Task;
    }

    /// <summary>Runs searches until the queue is empty; only one runs at a time.</summary>
    private void Drain()
    {
        while (true)
        {
            var batch = new List<Request>();
            lock (_lock)
            {
                long queries = 0;
                while (_queue.Count > 0 && (batch.Count == 0 || queries + _queue.Peek().Rows <= MaxQueries))
                {
                    var r = _queue.Dequeue();
                    batch.Add(r);
                    queries += r.Rows;
                }
                if (batch.Count == 0)
                {
                    _running = false;
                    return;
                }
            }
            Run(batch);
        }
    }

    private void Run(List<Request> batch)
    {
        try
        {
            int total = batch.Sum(r => r.Rows);
            var all = new float[(long)total * _dim];
            int at = 0;
            foreach (var r in batch)
            {
                r.Queries.Span.CopyTo(all.AsSpan(at));
                at += r.Queries.Length;
            }
            (float[] Distances, long[] Indices) found;
            using (var scope = NewDisposeScope())
                found = _search(tensor(all).reshape(total, _dim));
            Interlocked.Increment(ref _searches);
            if (found.Distances.Length != total || found.Indices.Length != total)
                throw new InvalidOperationException($"the search answered {found.Distances.Length} of {total} queries");
            int row = 0;
            foreach (var r in batch)
            {
                r.Done.TrySetResult((found.Distances.AsSpan(row, r.Rows).ToArray(),
                    found.Indices.AsSpan(row, r.Rows).ToArray()));
                row += r.Rows;
            }
            Searched?.Invoke(batch.Count, total);
        }
        catch (Exception e)
        {
            foreach (var r in batch) r.Done.TrySetException(e);
        }
    }

    private static (float[] Distances, long[] Indices) Nearest(KnnSearch search, Tensor queries)
    {
        using var r = search.Search(queries, 1);
        return (r.Distances.data<float>().ToArray(), r.Indices.data<long>().ToArray());
    }

    private sealed record Request(ReadOnlyMemory<float> Queries, int Rows)
    {
        public TaskCompletionSource<(float[] Distances, long[] Indices)> Done { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
