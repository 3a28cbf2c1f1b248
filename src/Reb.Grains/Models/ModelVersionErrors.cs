using Reb.Abstractions.Contracts;
using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Grains.Models;

/// <summary>
/// The one translation of a version that cannot be loaded into what clients are told: missing, not a version name, or
/// present but unusable. The gateway maps "does not exist" to 404 and the rest to 409, so the wording is the contract.
/// </summary>
public static class ModelVersionErrors
{
    /// <summary>The client-facing error for <paramref name="e"/>; null when it is not about the version
    /// itself.</summary> <param name="e">What loading the version threw.</param>
    /// <param name="version">The version asked for.</param>
    /// <param name="subject">Who asked ("line 'pcb'", "bank shard ..."), or null.</param>
    public static ModelVersionException? From(Exception e, string version, string? subject = null)
    {
        var prefix = subject is null ? "" : subject + ": ";
        return e switch
        {
            ModelNotFoundException
                => new ModelVersionException($"{prefix}model version '{version}' does not exist: {e.Message}"),
            ModelFormatException
            => new ModelVersionException($"{prefix}model version '{version}' cannot be used: {e.Message}"),
            ArgumentException => new ModelVersionException($"{prefix}'{version}' is not a model version: {e.Message}"),
            _ => null,
        };
    }
}
