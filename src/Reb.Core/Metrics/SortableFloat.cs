namespace Reb.Core.Metrics;

/// <summary>
/// Maps a float score to a uint whose unsigned order equals the float order, so that scores can be
/// radix-sorted and compared as integers. -0 and +0 map to the same key (they are equal as floats).
/// </summary>
internal static class SortableFloat
{
    /// <summary>Key of <paramref name="value"/>; the caller must have rejected NaN.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static uint ToKey(float value)
    {
        // Adding 0f turns -0 into +0, so the two zeros share one key (float equality == key equality).
        uint bits = BitConverter.SingleToUInt32Bits(value + 0f);
        // Negative floats: flip every bit (larger magnitude = smaller). Positive: set the sign bit so they sort above.
        return (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
    }

    /// <summary>Inverse of <see cref="ToKey"/>.</summary>
    public static float FromKey(uint key)
    {
        uint bits = (key & 0x8000_0000u) != 0 ? key & 0x7FFF_FFFFu : ~key;
        return BitConverter.UInt32BitsToSingle(bits);
    }
}
