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

    public SqliteInspectionHistory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        // Default timeout 30 s also covers waiting for another process's write lock (SQLITE_BUSY is retried until
        // then).
        // A write waits at most 5 s for a lock (the default is 30 s): a file locked by a stuck process (SQLite is one
        // silo's store; a second silo pointed at the same file is a misconfiguration) fails the inspection with 503
        // within the gateway's deadline instead of hanging it.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 5 }.ToString();
    }

    public string Path { get; }

    public override string Description => "sqlite: " + Path;

    protected override DbConnection NewConnection() => new SqliteConnection(_connectionString);

    protected override IEnumerable<string> SchemaEpilogue => ["PRAGMA journal_mode=WAL"];
}
