namespace Reb.Cli.Commands.Soak;

/// <summary>What `reb cluster soak` runs: lines, shards, silos, each silo's bank budget, traffic and the silo
/// kill.</summary>
public sealed record SoakSettings(
    IReadOnlyList<string> Data,
    int Lines,
    int Shards,
    int Silos,
    double BankBudgetMb,
    TimeSpan Duration,
    TimeSpan? KillSiloAt,
    TimeSpan RestartAfter,
    int Clients,
    int Shots,
    int ImageSize,
    int ImagesPerLine,
    string Redis,
    string OutDir)
{
    public SoakSettings Validated()
    {
        if (Data.Count == 0) throw new ArgumentException("--data: at least one category folder");
        foreach (var d in Data)
            if (!Directory.Exists(d)) throw new DirectoryNotFoundException($"--data '{d}' does not exist");
        if (Lines < 1) throw new ArgumentException("--lines must be at least 1");
        if (Shards < 1) throw new ArgumentException("--shards must be at least 1");
        if (Silos < 1) throw new ArgumentException("--silos must be at least 1");
        if (!(BankBudgetMb > 0)) throw new ArgumentException("--bank-budget-mb must be positive");
        if (Duration <= TimeSpan.Zero) throw new ArgumentException("--minutes must be positive");
        if (KillSiloAt is { } k && (k <= TimeSpan.Zero || k >= Duration))
            throw new ArgumentException("--kill-silo-at must lie within the run (0 < T2 < T)");
        if (KillSiloAt is not null && Silos < 2)
            throw new ArgumentException("--kill-silo-at needs at least 2 silos (one keeps serving)");
        if (Clients < 1) throw new ArgumentException("--clients must be at least 1");
        if (Shots < 1) throw new ArgumentException("--shots must be at least 1");
        return this;
    }
}
