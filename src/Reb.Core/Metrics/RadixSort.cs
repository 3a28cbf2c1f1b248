namespace Reb.Core.Metrics;

/// <summary>
/// LSD radix sorts (3 passes of 11 bits) used by the metrics: linear time, stable, no comparisons, so tens of
/// millions of pixel scores sort in a fraction of the time of a comparison sort.
/// </summary>
internal static class RadixSort
{
    private const int Bits = 11;
    private const int Buckets = 1 << Bits;
    private const uint Mask = Buckets - 1;

    /// <summary>Sorts <paramref name="keys"/> ascending; <paramref name="scratch"/> must be at least as long.</summary>
    public static void Sort(Span<uint> keys, Span<uint> scratch)
    {
        if (scratch.Length < keys.Length) throw new ArgumentException("scratch is shorter than keys", nameof(scratch));
        scratch = scratch[..keys.Length];
        Span<int> offsets = stackalloc int[Buckets];
        Span<uint> source = keys, target = scratch;
        for (int shift = 0; shift < 32; shift += Bits)
        {
            offsets.Clear();
            foreach (uint k in source) offsets[(int)((k >> shift) & Mask)]++;
            if (!ToStartOffsets(offsets, source.Length)) continue; // every key has the same digit: nothing moves
            foreach (uint k in source) target[offsets[(int)((k >> shift) & Mask)]++] = k;
            var t = source; source = target; target = t;
        }
        if (source != keys) source.CopyTo(keys); // an odd number of moving passes ended in the scratch buffer
    }

    /// <summary>
    /// Sorts <paramref name="items"/> ascending by their upper 32 bits (the lower 32 bits are a payload that
    /// travels along); stable. <paramref name="scratch"/> must be at least as long.
    /// </summary>
    public static void SortByHigh32(Span<ulong> items, Span<ulong> scratch)
    {
        if (scratch.Length < items.Length)
            throw new ArgumentException("scratch is shorter than items", nameof(scratch));
        scratch = scratch[..items.Length];
        Span<int> offsets = stackalloc int[Buckets];
        Span<ulong> source = items, target = scratch;
        for (int shift = 32; shift < 64; shift += Bits)
        {
            offsets.Clear();
            foreach (ulong k in source) offsets[(int)((k >> shift) & Mask)]++;
            if (!ToStartOffsets(offsets, source.Length)) continue;
            foreach (ulong k in source) target[offsets[(int)((k >> shift) & Mask)]++] = k;
            var t = source; source = target; target = t;
        }
        if (source != items) source.CopyTo(items);
    }

    /// <summary>Turns digit counts into start offsets; false when one bucket holds everything (pass can be
    /// skipped).</summary>
    private static bool ToStartOffsets(Span<int> counts, int total)
    {
        int sum = 0;
        for (int b = 0; b < counts.Length; b++)
        {
            int c = counts[b];
            if (c == total) return false;
            counts[b] = sum;
            sum += c;
        }
        return true;
    }
}
