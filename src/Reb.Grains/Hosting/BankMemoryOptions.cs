namespace Reb.Grains.Hosting;

/// <summary>The memory a silo gives bank shards ("Reb:Silo:BankMemoryMb").</summary>
public sealed class BankMemoryOptions
{
    public const string Section = "Reb:Silo";

    /// <summary>Share of the process's available memory a silo gives bank shards when no budget is set.</summary>
    public const double DefaultShare = 0.5;

    /// <summary>
    /// Bytes of bank shards (in MiB) this silo keeps resident; over it, the least recently used idle shards are
    /// deactivated. 0 (the default) = half the memory available to the process: the container's limit where there is
    /// one (.NET reads the cgroup limit), else the machine's.
    /// </summary>
    public double BankMemoryMb { get; set; }

    /// <summary>The budget in bytes.</summary>
    public long BudgetBytes => BankMemoryMb > 0
        ? (long)(BankMemoryMb * (1L << 20))
        : (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * DefaultShare);
}
