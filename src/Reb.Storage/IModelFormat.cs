namespace Reb.Storage;

/// <summary>
/// What the artefact store needs to know of a model directory, and nothing more: which files make a version and how to
/// check them. The store moves files; the model format (its manifest, its rules) belongs to whoever owns the model, so
/// this project stays free of the method and its native libraries. The silo and the CLI pass the method's format.
/// </summary>
public interface IModelFormat
{
    /// <summary>The manifest file: written last on publish, its presence is what makes a version complete.</summary>
    string ManifestFile { get; }

    /// <summary>Checks a local model directory before anything is uploaded (manifest, file names, every file's size
    /// and checksum) and lists what a publish uploads.</summary>
    StoredModel CheckForPublish(string modelDir);

    /// <summary>The listing of manifest bytes read from a store, checked to really be
    /// <paramref name="version"/>.</summary>
    /// <param name="source">where the bytes came from, for messages.</param>
    StoredModel ParseStored(byte[] manifestBytes, string version, string source);

    /// <summary>Checks one downloaded file against its listing entry; throws <see cref="Damaged"/>'s
    /// exception.</summary>
    void CheckFile(string dir, string name, StoredFile expected, string what);

    /// <summary>Checks a complete fetched directory with the rules every reader of the format applies.</summary>
    void CheckDirectory(string dir);

    /// <summary>True when <paramref name="dir"/> holds an intact copy of <paramref name="version"/>.</summary>
    bool IsIntactCopy(string dir, string version);

    /// <summary>The exception the format's readers expect for a damaged or inconsistent model.</summary>
    Exception Damaged(string message);
}

/// <summary>One file of a model version as its manifest lists it.</summary>
public sealed record StoredFile(string Sha256, long Bytes);

/// <summary>A model version and the files it is made of (plain names, relative to the version's folder).</summary>
public sealed record StoredModel(string Version, IReadOnlyDictionary<string, StoredFile> Files);
