using Microsoft.Extensions.Logging;
using Reb.Storage;

namespace Reb.Storage;

/// <summary>Builds the configured <see cref="IArtefactStore"/>: the one store type grains, CLI and tests use.</summary>
public static class ArtefactStoreFactory
{
    /// <exception cref="ArgumentException">unknown kind, or a setting the kind needs is missing (the message names
    /// it).</exception>
    public static IArtefactStore Create(ArtefactStoreSettings settings, IModelFormat format,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(format);
        switch ((settings.Kind ?? "").Trim().ToLowerInvariant())
        {
            case ArtefactStoreSettings.Local:
                if (string.IsNullOrWhiteSpace(settings.Root))
                    throw new ArgumentException(
                        "Reb:ArtefactStore:Root is required when Reb:ArtefactStore:Kind is 'local'");
                return new LocalFolderArtefactStore(settings.Root, format);
            case ArtefactStoreSettings.AzureBlob:
                if (string.IsNullOrWhiteSpace(settings.ConnectionString))
                    throw new ArgumentException(
                        "Reb:ArtefactStore:ConnectionString is required when Reb:ArtefactStore:Kind is 'azureblob'");
                if (string.IsNullOrWhiteSpace(settings.Container))
                    throw new ArgumentException(
                        "Reb:ArtefactStore:Container is required when Reb:ArtefactStore:Kind is 'azureblob'");
                return new AzureBlobArtefactStore(settings.ConnectionString, settings.Container, format,
                    new AzureBlobArtefactStoreOptions { LoggerFactory = loggerFactory });
            default:
                throw new ArgumentException($"Reb:ArtefactStore:Kind must be '{ArtefactStoreSettings.Local}' or " +
                    $"'{ArtefactStoreSettings.AzureBlob}', got '{settings.Kind}'");
        }
    }
}
