using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Reb.Core.Models;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Publishing;

/// <summary>
/// A model directory uploaded as multipart files, written to a folder of its own and checked there before anything
/// else happens: every name a plain file name (checked before a file is created), at most a few sections, the bytes
/// within the reservation, then <see cref="ModelStore.Verify"/> (names and declared sizes first, then every file
/// streamed against its checksum). Nothing outside the folder is ever opened. Dispose to delete the folder.
/// </summary>
public sealed class ModelUpload : IDisposable
{
    private ModelUpload(string dir) => Directory = dir;

    /// <summary>The upload's folder (for messages it is called "upload").</summary>
    public string Directory { get; }

    public static async Task<(ModelUpload Upload, ModelManifest Manifest)> ReadAsync(HttpRequest request,
        string boundary,
        string tempRoot, int maxSections, CancellationToken ct)
    {
        var upload = new ModelUpload(System.IO.Directory.CreateDirectory(
            Path.Combine(tempRoot, $"reb-publish-{Guid.NewGuid():N}")).FullName);
        try
        {
            await upload.WriteSectionsAsync(request, boundary, maxSections, ct);
            return (upload, upload.Verify());
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    private async Task WriteSectionsAsync(HttpRequest request, string boundary, int maxSections, CancellationToken ct)
    {
        var reader = new MultipartReader(boundary, request.Body);
        int sections = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section =
            await reader.ReadNextSectionAsync(ct))
        {
            if (++sections > maxSections)
                throw GatewayProblem.TooLarge($"a model upload holds at most {maxSections} multipart sections " +
                                              "(Reb:Gateway:MaxPublishSections); a model directory has a handful of " +
                                              "files");
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd)
                || !cd.IsFileDisposition())
                continue;
            var name = HeaderUtilities.RemoveQuotes(cd.FileName).Value ?? "";
            if (!ModelFiles.IsPlainName(name))
                throw GatewayProblem.BadRequest(
                    $"'{name}' is not a model file name (plain names only: letters, digits, '-', '_', '.')");
            if (!names.Add(name)) throw GatewayProblem.BadRequest($"the upload holds {name} twice");
            await using var file = new FileStream(Path.Combine(Directory, name), FileMode.CreateNew, FileAccess.Write);
            await section.Body.CopyToAsync(file, ct);
        }
    }

    private ModelManifest Verify()
    {
        try { return ModelStore.Verify(Directory); }
        catch (ModelFormatException e) { throw GatewayProblem.BadRequest(e.Message.Replace(Directory, "upload")); }
    }

    public void Dispose() => Reb.Storage.LocalFolders.DeleteQuietly(Directory);
}
