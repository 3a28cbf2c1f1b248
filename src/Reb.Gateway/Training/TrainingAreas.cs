using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Training;

/// <summary>
/// Where in the artefact store a site's training images live and which store folders a site may train from. Each
/// site has its own area, "sites/&lt;site&gt;/"; uploads go to
/// "sites/&lt;site&gt;/uploads/&lt;line&gt;/&lt;batch&gt;/". A
/// folder request must name a prefix inside the caller's area or one of the site's configured
/// <see cref="GatewayOptions.TrainingFolders"/>; anything else (another site's uploads, model files, "..", absolute
/// or back-slashed paths) is refused with the same 400, whether or not the folder exists.
/// </summary>
public sealed partial class TrainingAreas(IOptions<GatewayOptions> options)
{
    public const string Root = "sites/";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Segment();

    /// <summary>"sites/&lt;site&gt;/"; null for a site name that is not a safe single path segment (it then has no
    /// area).</summary>
    public static string? SiteArea(string site)
        => Segment().IsMatch(site) && site is not "." and not ".." ? $"{Root}{site}/" : null;

    /// <summary>The upload folder of one training request (a new batch each time).</summary>
    public static string UploadBatch(string site, string line)
    {
        var area = SiteArea(site)
            ?? throw new GatewayProblem(403, "Forbidden", "this key's site name cannot own store folders");
        return $"{area}uploads/{line}/{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}";
    }

    /// <summary>The normalised prefix ("a/b/") of a folder request; 400 unless the site may read it.</summary>
    public string CheckFolder(string site, string folder)
    {
        var prefix = Normalise(folder);
        if (prefix is not null && Allowed(site).Any(a => prefix.StartsWith(a, StringComparison.Ordinal))) return prefix;
        throw GatewayProblem.BadRequest(
            $"folder must be a store prefix inside this site's area '{SiteArea(site) ?? "(none)"}' or a folder " +
            "configured for the site; " +
            "no '..', '\\' or leading '/'");
    }

    private IEnumerable<string> Allowed(string site)
    {
        if (SiteArea(site) is { } area) yield return area;
        if (options.Value.TrainingFolders.TryGetValue(site, out var extra))
            foreach (var e in extra)
                if (Normalise(e) is { } p) yield return p;
    }

    /// <summary>"a/b" -> "a/b/"; null when any segment is empty, ".", ".." or unsafe, or the path is
    /// absolute.</summary>
    private static string? Normalise(string folder)
    {
        if (string.IsNullOrWhiteSpace(folder) || folder.Contains('\\') || folder.StartsWith('/')) return null;
        var segments = folder.TrimEnd('/').Split('/');
        return segments.All(s => Segment().IsMatch(s) && s is not "." and not ".." && !s.Contains(".."))
            ? string.Join('/', segments) + "/" : null;
    }
}
