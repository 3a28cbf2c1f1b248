namespace Reb.Storage.Inspections;

/// <summary>The history a configuration names. Nothing is opened here: <see
/// cref="IInspectionHistory.EnsureSchemaAsync"/> does, at start-up.</summary>
public static class InspectionHistoryFactory
{
    /// <param name="artefacts">the silo's artefact store settings: a local folder is the SQLite file's default
    /// home.</param>
    public static IInspectionHistory Create(InspectionHistorySettings settings, ArtefactStoreSettings? artefacts = null)
    {
        switch (settings.Kind.Trim().ToLowerInvariant())
        {
            case InspectionHistorySettings.Sqlite:
                return new SqliteInspectionHistory(SqlitePath(settings, artefacts), settings.SqliteLockWaitSeconds);
            case InspectionHistorySettings.Postgres:
                if (string.IsNullOrWhiteSpace(settings.ConnectionString))
                    throw new ArgumentException("Reb:History:ConnectionString is required when Reb:History:Kind is " +
                        "postgres (e.g. Host=127.0.0.1;Port=5433;Username=reb;Database=reb)");
                return new PostgresInspectionHistory(settings.ConnectionString);
            default:
                throw new ArgumentException($"Reb:History:Kind must be sqlite or postgres, got '{settings.Kind}'");
        }
    }

    public static string SqlitePath(InspectionHistorySettings settings, ArtefactStoreSettings? artefacts)
    {
        if (!string.IsNullOrWhiteSpace(settings.Path)) return System.IO.Path.GetFullPath(settings.Path);
        var folder = artefacts is { Kind: ArtefactStoreSettings.Local } a ? a.Root : "data";
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, "inspection-history.db"));
    }
}
