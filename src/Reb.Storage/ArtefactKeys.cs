namespace Reb.Storage;

/// <summary>
/// Validation and layout of store paths. Layout: <c>models/&lt;version&gt;/&lt;file&gt;</c> for model versions and
/// <c>blobs/&lt;key&gt;</c> for generic blobs, identical in every implementation so a folder copy of a store is a
/// store. </summary>
public static class ArtefactKeys
{
    public const string ModelsPrefix = "models/";
    public const string BlobsPrefix = "blobs/";

    /// <summary>Store path of one file of a model version.</summary>
    public static string ModelPath(string version, string file) => ModelsPrefix + version + "/" + file;

    /// <summary>Store path of a generic blob.</summary>
    public static string BlobPath(string key) => BlobsPrefix + key;

    /// <summary>A relative '/'-separated path: no '..' or '.', no leading '/', no backslash, no empty
    /// segment.</summary>
    public static void CheckKey(string key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length == 0) throw new ArgumentException("a blob key must not be empty", paramName);
        CheckSegments(key, allowTrailingSlash: false, paramName);
    }

    /// <summary>A listing prefix: "" or a key prefix; a trailing '/' is allowed.</summary>
    public static void CheckPrefix(string prefix, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length > 0) CheckSegments(prefix, allowTrailingSlash: true, paramName);
    }

    /// <summary>A model version names one folder: letters, digits, '-', '_' and '.', not '.' or '..'.</summary>
    public static void CheckVersion(string version, string paramName = "version")
    {
        ArgumentNullException.ThrowIfNull(version, paramName);
        var ok = version.Length is > 0 and <= 128 && version != "." && version != ".."
                 && version.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!ok) throw new ArgumentException(
            $"'{version}' is not a model version (expected a content address such as sha256-1a2b...)", paramName);
    }

    private static void CheckSegments(string path, bool allowTrailingSlash, string paramName)
    {
        if (path.Contains('\\'))
            throw new ArgumentException($"'{path}': use '/' to separate segments, not '\\'", paramName);
        if (path.StartsWith('/') || Path.IsPathRooted(path))
            throw new ArgumentException($"'{path}' must be a relative path, not an absolute one", paramName);
        if (path.Any(char.IsControl)) throw new ArgumentException($"'{path}' contains a control character", paramName);
        var segments = path.Split('/');
        var last = allowTrailingSlash && path.EndsWith('/') ? segments.Length - 1 : segments.Length;
        for (var i = 0; i < last; i++)
        {
            var s = segments[i];
            if (s.Length == 0)
                throw new ArgumentException($"'{path}' has an empty segment ('//' or a trailing '/')", paramName);
            if (s is "." or "..")
                throw new ArgumentException($"'{path}' must not contain '.' or '..' segments", paramName);
        }
    }
}
