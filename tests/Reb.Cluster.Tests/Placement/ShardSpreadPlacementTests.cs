using System.Net;
using Reb.Abstractions.Contracts;
using Reb.Grains.Placement;

namespace Reb.Cluster.Tests.Placement;

/// <summary>The shard placement rule itself: a line's shards spread, even over silos, the same on every silo whatever
/// the order it sees silos in, and towards the silo with the most free bank memory.</summary>
public sealed class ShardSpreadPlacementTests
{
    private const long Mb = 1 << 20;
    private static readonly SiloAddress[] Silos =
        [.. Enumerable.Range(0, 3).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1))];

    private static List<SiloAddress> PlaceAll(ClusterBankMemory memory, string line, int n,
        IReadOnlyList<SiloAddress>? silos = null) =>
        ShardKey.All(line, "v1", n).Select(k => memory.Place(k, silos ?? Silos)).ToList();

    private static SiloBankReport Report(int silo, long budget, long resident, params string[] keys) =>
        new(Silos[silo].ToParsableString(), budget, resident, keys, [], resident, DateTime.UtcNow);

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(7)] [InlineData(8)]
    public void N_shards_over_3_silos_differ_by_at_most_one_per_silo(int n)
    {
        var chosen = PlaceAll(new ClusterBankMemory(), "line-a", n);
        var counts = Silos.Select(s => chosen.Count(c => c.Equals(s))).ToList();
        Assert.True(counts.Max() - counts.Min() <= 1, $"{n} shards: {string.Join(",", counts)}");
    }

    [Fact]
    public void Every_silo_chooses_the_same_silo_whatever_order_it_lists_them()
    {
        var reversed = Silos.Reverse().ToArray();
        Assert.Equal(PlaceAll(new ClusterBankMemory(), "l", 5), PlaceAll(new ClusterBankMemory(), "l", 5, reversed));
    }

    [Fact]
    public void One_shard_lines_do_not_all_start_on_the_same_silo()
    {
        var first = Enumerable.Range(0, 30).Select(i => PlaceAll(new ClusterBankMemory(), $"line-{i}", 1)[0]).Distinct()
            .Count();
        Assert.Equal(3, first);
    }

    [Fact]
    public void A_shard_goes_to_the_silo_with_the_most_free_budget()
    {
        var memory = new ClusterBankMemory();
        // Silo 2 has the largest budget but holds the most; silo 1 has the most left.
        memory.Update([Report(0, 100 * Mb, 80 * Mb, "a/v1/0of1"), Report(1, 100 * Mb, 30 * Mb, "b/v1/0of1"),
            Report(2, 200 * Mb, 190 * Mb, "c/v1/0of1")]);
        Assert.Equal(Silos[1], PlaceAll(memory, "new", 1)[0]);
    }

    [Fact]
    public void A_lines_shards_spread_before_the_freest_silo_takes_a_second_one()
    {
        var memory = new ClusterBankMemory();
        memory.Update([Report(0, 100 * Mb, 90 * Mb, "a/v1/0of1"), Report(1, 100 * Mb, 0),
            Report(2, 100 * Mb, 50 * Mb, "c/v1/0of1")]);
        // Three shards: one per silo, freest first; the fourth goes back to the freest.
        Assert.Equal([Silos[1], Silos[2], Silos[0], Silos[1]], PlaceAll(memory, "new", 4));
    }

    [Fact]
    public void Shards_placed_in_one_burst_count_against_their_silo_before_it_reports_them()
    {
        var memory = new ClusterBankMemory();
        // Free 100, 60 and 50 MB; a shard not yet reported counts as the mean resident shard (90 MB / 3 = 30 MB).
        memory.Update([Report(0, 100 * Mb, 0), Report(1, 100 * Mb, 40 * Mb, "x/v1/0of2", "x/v1/1of2"),
            Report(2, 100 * Mb, 50 * Mb, "y/v1/0of1")]);
        var chosen = Enumerable.Range(0, 6).Select(i => PlaceAll(memory, $"burst-{i}", 1)[0]).ToList();
        // Without the pending count all six would go to silo 0.
        Assert.Equal([Silos[0], Silos[0], Silos[1], Silos[2], Silos[0], Silos[1]], chosen);
    }

    [Fact]
    public void A_key_that_is_not_a_shard_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ShardKey.Parse("not-a-shard"));
    }
}
