namespace Reb.Grains.ProductLines;

/// <summary>
/// Which registered versions a line lets go: those beyond its newest <c>keep</c> registrations, except the current
/// version, the one a roll back returns to, and any <c>pinned</c> one (named by an inspection awaiting review). Pinned
/// versions are kept on top of the N, so a line may hold more than N.
/// </summary>
public static class VersionRetention
{
    public static IReadOnlyList<string> Beyond(ProductLineState s, int keep, IReadOnlySet<string> pinned)
    {
        if (keep <= 0 || s.Versions.Count <= keep) return [];
        var rollBackTarget = s.Previous.Count > 0 ? s.Previous[^1] : null;
        // Versions are appended as they are registered: the oldest come first.
        return s.Versions.Take(s.Versions.Count - keep).Select(v => v.Version)
            .Where(v => v != s.Current && v != rollBackTarget && !pinned.Contains(v))
            .ToList();
    }

    /// <summary>Drops the versions from the registry and from the roll-back history (a roll back never lands on a
    /// version that is gone).</summary>
    public static void Remove(ProductLineState s, IReadOnlyCollection<string> versions)
    {
        s.Versions.RemoveAll(v => versions.Contains(v.Version));
        s.Previous.RemoveAll(v => versions.Contains(v));
    }
}
