namespace Reb.Abstractions.Contracts;

/// <summary>A model version known to a product line (immutable: the version is the model's content address).</summary>
[GenerateSerializer, Immutable]
public sealed record ModelVersionEntry([property: Id(0)] string Version, [property: Id(1)] DateTimeOffset RegisteredUtc,
    [property: Id(2)] string Source);

/// <summary>Snapshot of a product line's registry.</summary>
/// <param name="Current">Version used for scoring; null before the first registration.</param>
/// <param name="Previous">Versions that were current before, most recent last (what roll back returns to).</param>
[GenerateSerializer, Immutable]
public sealed record ProductLineStatus([property: Id(0)] string Line, [property: Id(1)] string? Current,
    [property: Id(2)] IReadOnlyList<ModelVersionEntry> Versions, [property: Id(3)] IReadOnlyList<string> Previous,
    [property: Id(4)] int Shards, [property: Id(5)] IReadOnlyList<string> Jobs);

/// <summary>
/// The registry cannot make the change in its current state (e.g. nothing left to roll back to, because a concurrent
/// roll back took it); nothing was changed. An <see cref="InvalidOperationException"/> so older callers still catch it.
/// </summary>
[GenerateSerializer]
public sealed class RegistryConflictException : InvalidOperationException
{
    public RegistryConflictException(string message) : base(message) { }
}

/// <summary>A requested model version does not exist, cannot be read, or fails its checksum; nothing was
/// changed.</summary>
[GenerateSerializer]
public sealed class ModelVersionException : Exception
{
    public ModelVersionException(string message) : base(message) { }
    public ModelVersionException(string message, Exception inner) : base(message, inner) { }
}
