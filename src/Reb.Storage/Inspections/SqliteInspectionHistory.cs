using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Reb.Storage.Inspections;

/// <summary>
/// The history in one SQLite file: embedded, no server, the default for a single silo (and for silos of one machine
/// sharing a folder: SQLite locks the file between processes). Write-ahead logging lets readers run while a silo
/// writes. </summary>
public sealed class SqliteInspectionHistory : SqlInspectionHistory
{
    private readonly string _connectionString;

    /// <param name="lockWaitSeconds">how long a write waits for another connection's lock (SQLITE_BUSY is retried
    /// until then) before it fails; see <see cref="InspectionHistorySettings.SqliteLockWaitSeconds"/>.</param>
    public SqliteInspectionHistory(string path, int lockWaitSeconds = 5)
    {
        if (lockWaitSeconds < 1) throw new ArgumentOutOfRangeException(nameof(lockWaitSeconds), lockWaitSeconds,
            "Reb:History:SqliteLockWaitSeconds must be at least 1");
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true,
            DefaultTimeout = lockWaitSeconds }.ToString();
    }

    public string Path { get; }

    public override string Description => "sqlite: " + Path;

    protected override DbConnection NewConnection() => new SqliteConnection(_connectionString);

    protected override IEnumerable<string> SchemaEpilogue => ["PRAGMA journal_mode=WAL"];
}
