namespace Reb.Storage.Inspections;

/// <summary>
/// The inspection history: one row per inspection in a database (SQLite embedded for one silo, PostgreSQL shared by a
/// cluster). The gateway writes the row before it answers, so an answered inspection survives the silo that served it.
/// Every read and change names the site: rows of another site are invisible, exactly like rows that do not exist.
/// </summary>
public interface IInspectionHistory
{
    /// <summary>"sqlite: path" or "postgres: host/db", for messages.</summary>
    string Description { get; }

    /// <summary>Creates the tables and indexes when missing (idempotent; safe when several silos start at
    /// once).</summary>
    Task EnsureSchemaAsync(CancellationToken ct = default);

    /// <summary>Adds a row; a row with the same id is left as it is (a retried write must not duplicate an
    /// inspection).</summary>
    Task AddAsync(InspectionEntry entry, CancellationToken ct = default);

    Task<InspectionEntry?> GetAsync(string site, string line, string id, CancellationToken ct = default);

    Task<IReadOnlyList<InspectionEntry>> QueryAsync(InspectionQuery query, CancellationToken ct = default);

    /// <summary>
    /// The rows of <see cref="QueryAsync"/>, in the same order, as they come from the database (an export of 100k rows
    /// never sits in memory whole). The default reads them all first; the SQL histories stream.
    /// </summary>
    async IAsyncEnumerable<InspectionEntry> StreamAsync(InspectionQuery query,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var e in await QueryAsync(query, ct)) yield return e;
    }

    /// <summary>How many rows <see cref="QueryAsync"/> would return now (at most the query's limit).</summary>
    async Task<int> CountAsync(InspectionQuery query, CancellationToken ct = default)
        => (await QueryAsync(query, ct)).Count;

    /// <summary>Records a review (a later review replaces an earlier one); null when the site's line has no such
    /// row.</summary>
    Task<InspectionEntry?> ReviewAsync(string site, string line, string id, ReviewState state, string reviewer,
        DateTimeOffset at,
        string? note, CancellationToken ct = default);

    /// <summary>Notes that these rows' images went into <paramref name="version"/>'s bank.</summary>
    Task MarkBankedAsync(string site, string line, IReadOnlyCollection<string> ids, string version,
        CancellationToken ct = default);

    /// <summary>The line's retention policy, or null when it has none of its own (the configured default
    /// applies).</summary>
    Task<RetentionPolicy?> GetRetentionAsync(string site, string line, CancellationToken ct = default);

    Task SetRetentionAsync(string site, string line, RetentionPolicy policy, CancellationToken ct = default);

    /// <summary>Every (site, line) that has rows, for the retention sweep.</summary>
    Task<IReadOnlyList<(string Site, string Line)>> LinesAsync(CancellationToken ct = default);

    /// <summary>Rows of the line older than <paramref name="cutoff"/>, at most <paramref name="limit"/>, oldest
    /// first.</summary>
    Task<IReadOnlyList<InspectionEntry>> OlderThanAsync(string site, string line, DateTimeOffset cutoff, int limit,
        CancellationToken ct = default);

    /// <summary>Unreviewed rows of the line that still hold an image, past the newest <paramref name="keep"/> such
    /// rows, at most <paramref name="limit"/>.
    /// Reviewed rows are the line's labelled set and are not counted.</summary>
    Task<IReadOnlyList<InspectionEntry>> ImagesBeyondAsync(string site, string line, int keep, int limit,
        CancellationToken ct = default);

    Task DeleteAsync(string site, string line, IReadOnlyCollection<string> ids, CancellationToken ct = default);

    /// <summary>Model versions named by the line's rows that await a review (a line keeps those versions).</summary>
    Task<IReadOnlySet<string>> VersionsAwaitingReviewAsync(string site, string line, CancellationToken ct = default);

    /// <summary>The image and overlay keys that the line's rows with these ids name (the orphan sweep keeps
    /// those).</summary>
    Task<IReadOnlySet<string>> ImageKeysNamedAsync(string site, string line, IReadOnlyCollection<string> ids,
        CancellationToken ct = default);

    /// <summary>Forgets the rows' image keys (after their images were deleted); the rows stay.</summary>
    Task ClearImagesAsync(string site, string line, IReadOnlyCollection<string> ids, CancellationToken ct = default);
}
