using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Reb.Storage.Inspections;

/// <summary>
/// The history in one SQLite file: embedded, no server, the default for a single silo (and for silos of one machine
/// sharing a folder: SQLite locks the file between processes). Write-ahead logging lets readers run while a silo writes.
/// </summary>
public sealed class SqliteInspectionHistory : SqlInspectionHistory
{
    private readonly string _connectionString;

    public SqliteInspectionHistory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        // Default timeout 30 s also covers waiting for another process's write lock (SQLITE_BUSY is retried until then).
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
    }

    public string Path { get; }

    public override string Description => "sqlite: " + Path;

    protected override DbConnection NewConnection() => new SqliteConnection(_connectionString);

    protected override IEnumerable<string> SchemaEpilogue => ["PRAGMA journal_mode=WAL"];
}
