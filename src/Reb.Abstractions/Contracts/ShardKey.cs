namespace Reb.Abstractions.Contracts;

/// <summary>
/// Identity of a bank shard: "line/source/IofN". Source is a model version (the shard serves core.f32/density.f32
/// rows) or "fit-{jobId}" (the shard serves a training job's bank slice for the distributed density fit).
/// The range of shard I of N over R rows is [I*R/N, (I+1)*R/N): every silo computes the same split.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardKey([property: Id(0)] string Line, [property: Id(1)] string Source,
    [property: Id(2)] int Index, [property: Id(3)] int Count)
{
    public const string FitPrefix = "fit-";

    public override string ToString() => $"{Line}/{Source}/{Index}of{Count}";

    /// <summary>True when this shard serves a training job's bank rather than a published model.</summary>
    public bool IsFitBank => Source.StartsWith(FitPrefix, StringComparison.Ordinal);

    /// <summary>Global row range of this shard over <paramref name="rows"/> rows.</summary>
    public (long Start, long Count) Range(long rows)
    {
        long start = Index * rows / Count, end = (Index + 1) * rows / Count;
        return (start, end - start);
    }

    public static ShardKey Parse(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3) throw new ArgumentException($"bank shard key '{key}' is not 'line/source/IofN'");
        var io = parts[2].Split("of");
        if (io.Length != 2 || !int.TryParse(io[0], out int i) || !int.TryParse(io[1], out int n) || n < 1 || i < 0
            || i >= n)
            throw new ArgumentException($"bank shard key '{key}': '{parts[2]}' is not 'IofN' with 0 <= I < N");
        return new ShardKey(parts[0], parts[1], i, n);
    }

    /// <summary>All shard keys of one source split N ways.</summary>
    public static IReadOnlyList<ShardKey> All(string line, string source, int count) =>
        Enumerable.Range(0, count).Select(i => new ShardKey(line, source, i, count)).ToList();
}
