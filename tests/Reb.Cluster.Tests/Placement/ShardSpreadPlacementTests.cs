using System.Net;
using Reb.Grains.Placement;

namespace Reb.Cluster.Tests.Placement;

/// <summary>The shard spread rule itself: even, the same on every silo whatever the order it sees silos in.</summary>
public sealed class ShardSpreadPlacementTests
{
    private static readonly SiloAddress[] Silos =
        [.. Enumerable.Range(0, 3).Select(i => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111 + i), 1))];

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(7)] [InlineData(8)]
    public void N_shards_over_3_silos_differ_by_at_most_one_per_silo(int n)
    {
        var chosen = Enumerable.Range(0, n).Select(i => ShardSpreadPlacementDirector.Choose($"line-a/v1/{i}of{n}", Silos)).ToList();
        var counts = Silos.Select(s => chosen.Count(c => c.Equals(s))).ToList();
        Assert.True(counts.Max() - counts.Min() <= 1, $"{n} shards: {string.Join(",", counts)}");
    }

    [Fact]
    public void Every_silo_chooses_the_same_silo_whatever_order_it_lists_them()
    {
        var reversed = Silos.Reverse().ToArray();
        for (int i = 0; i < 5; i++)
            Assert.Equal(ShardSpreadPlacementDirector.Choose($"l/v/{i}of5", Silos), ShardSpreadPlacementDirector.Choose($"l/v/{i}of5", reversed));
    }

    [Fact]
    public void One_shard_lines_do_not_all_start_on_the_same_silo()
    {
        var first = Enumerable.Range(0, 30).Select(i => ShardSpreadPlacementDirector.Choose($"line-{i}/v1/0of1", Silos)).Distinct().Count();
        Assert.Equal(3, first);
    }

    [Fact]
    public void A_key_that_is_not_a_shard_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ShardSpreadPlacementDirector.Choose("not-a-shard", Silos));
    }
}
