namespace Reb.Storage.Inspections;

/// <summary>Where a silo keeps the inspection history and what it keeps; section "Reb:History".</summary>
public sealed class InspectionHistorySettings
{
    public const string Section = "Reb:History";
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>"sqlite" (embedded, one silo or silos of one machine; the default) or "postgres" (a multi-silo
    /// cluster).</summary>
    public string Kind { get; set; } = Sqlite;

    /// <summary>SQLite file; empty = "inspection-history.db" in the local artefact folder (else "data/" under the
    /// working directory).</summary>
    public string? Path { get; set; }

    /// <summary>
    /// Seconds a SQLite write waits for another connection's lock before it fails (SQLite's default is 30): a file
    /// locked by a stuck process fails the inspection with 503 within the gateway's deadline instead of hanging it.
    /// </summary>
    public int SqliteLockWaitSeconds { get; set; } = 5;

    /// <summary>PostgreSQL connection string (Npgsql), e.g.
    /// "Host=127.0.0.1;Port=5433;Username=reb;Database=reb".</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Every reject's image is stored; of the accepts, one in this many (0 = none, 1 = all).</summary>
    public int SampleAcceptsEvery { get; set; } = 20;

    /// <summary>Default retention of a line without its own policy: days kept (0 = for ever).</summary>
    public int RetentionDays { get; set; } = 90;

    /// <summary>Default retention: stored images kept per line, newest first (0 = no limit).</summary>
    public int MaxStoredImages { get; set; } = 10_000;

    /// <summary>Minutes between retention sweeps (each silo sweeps; a sweep is idempotent).</summary>
    public double SweepMinutes { get; set; } = 60;

    /// <summary>
    /// Stored images that no row names (the row's insert failed, or the row was removed) are deleted by the sweep once
    /// their day has ended this many minutes ago: an image is written just before its row, so a younger one may still
    /// be waiting for it. The store's inspection images must belong to this history (one history per store).
    /// </summary>
    public double OrphanGraceMinutes { get; set; } = 60;

    public RetentionPolicy DefaultRetention => new(RetentionDays, MaxStoredImages);
}
