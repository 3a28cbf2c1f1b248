namespace Reb.Core.Metrics;

/// <summary>
/// Counts, for sorted negatives and positives, twice the Mann-Whitney U statistic: sum over positive p of
/// 2 * #(negatives &lt; p) + #(negatives == p). AUROC = U2 / (2 * P * N); integer arithmetic keeps it exact and
/// gives ties a weight of 1/2 exactly like sklearn's roc_auc_score (the trapezoid over the ROC curve).
/// </summary>
internal static class RankCounting
{
    /// <summary>U2 between one ascending run of negatives and one ascending run of positives (a linear
    /// merge).</summary>
    public static long TwiceU(ReadOnlySpan<uint> sortedNegatives, ReadOnlySpan<uint> sortedPositives)
    {
        long u2 = 0;
        int below = 0; // negatives strictly below the current positive
        int equal = 0; // negatives equal to the current positive
        bool havePrevious = false;
        uint previous = 0;
        foreach (uint p in sortedPositives)
        {
            if (!havePrevious || p != previous)
            {
                while (below < sortedNegatives.Length && sortedNegatives[below] < p) below++;
                equal = 0;
                while (below + equal < sortedNegatives.Length && sortedNegatives[below + equal] == p) equal++;
                previous = p;
                havePrevious = true;
            }
            u2 += 2L * below + equal;
        }
        return u2;
    }

    /// <summary>
    /// AUROC from two stores whose blocks are each sorted: U2 is additive over every (negative run, positive run)
    /// pair, so the runs never need a global merge. Pairs run in parallel.
    /// </summary>
    public static double Auroc(KeyBlocks sortedNegatives, KeyBlocks sortedPositives)
    {
        int nRuns = sortedNegatives.BlockCount, pRuns = sortedPositives.BlockCount;
        long total = 0;
        Parallel.For(0, nRuns * pRuns, () => 0L,
            (pair, _, local)
            => local + TwiceU(sortedNegatives.Block(pair / pRuns), sortedPositives.Block(pair % pRuns)),
            local => Interlocked.Add(ref total, local));
        return total / (2.0 * sortedNegatives.Count * sortedPositives.Count);
    }
}
