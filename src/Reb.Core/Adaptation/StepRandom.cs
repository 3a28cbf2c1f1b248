namespace Reb.Core.Adaptation;

/// <summary>
/// Every random choice of an adaptation run derives from its seed: one System.Random(seed) draws the seed of the
/// torch generator that initialises the head and a base for the data stream; the data of optimiser step i comes
/// from its own System.Random seeded with a mix of (base, i). A run resumed at step i therefore sees exactly the
/// data an uninterrupted run would, with no random-generator state to save, and the producer thread can run
/// ahead without sharing a generator with the trainer.
/// </summary>
public sealed class StepRandom
{
    private readonly ulong _dataBase;

    public StepRandom(int seed)
    {
        Seed = seed;
        var master = new Random(seed);
        HeadInitSeed = (ulong)master.NextInt64();
        _dataBase = (ulong)master.NextInt64();
    }

    public int Seed { get; }

    /// <summary>Seed of the torch generator for the head's initial weights.</summary>
    public ulong HeadInitSeed { get; }

    /// <summary>The generator for step <paramref name="step"/>'s sources, defects and augmentation.</summary>
    public Random ForStep(int step) => new((int)(SplitMix64(_dataBase ^ SplitMix64((ulong)step)) & 0x7FFFFFFF));

    /// <summary>SplitMix64's finaliser: a bijective mix, so nearby step numbers give unrelated seeds.</summary>
    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
