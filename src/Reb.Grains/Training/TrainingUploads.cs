using Reb.Abstractions.Contracts;
using Reb.Storage;

namespace Reb.Grains.Training;

/// <summary>
/// The images uploaded for one job (<see cref="TrainingRequest.UploadFolder"/>) are needed only while the job runs (and
/// resumes after a silo loss); they go when it ends. The gateway's hourly retention sweep stays as the backstop for
/// jobs that never end and for uploads whose job never started.
/// </summary>
public static class TrainingUploads
{
    /// <summary>Deletes the job's upload folder; returns how many files went. Only upload folders are ever
    /// touched.</summary>
    public static async Task<int> DeleteAsync(IArtefactStore store, TrainingRequest request)
    {
        if (request.UploadFolder is not { } folder || !IsUploadFolder(folder, request.Site)) return 0;
        return await store.DeleteAllAsync(folder);
    }

    /// <summary>
    /// "sites/&lt;site&gt;/uploads/&lt;line&gt;/&lt;batch&gt;/" of the job's own site: a request naming any other
    /// folder (a data
    /// folder the site trains from again and again, another site's area) deletes nothing.
    /// </summary>
    public static bool IsUploadFolder(string folder, string site)
    {
        var parts = folder.Split('/');
        return parts.Length == 6 && parts[0] == "sites" && parts[1] == site && parts[2] == "uploads" && parts[5] == ""
               && parts[3..5].All(p => p.Length > 0 && p is not "." and not "..");
    }
}
