using System.Collections;
using System.Reflection;
using Reb.Grains.Hosting;
using Reb.Silo;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>
/// Checks that an environment variable a manifest sets names a real settings property, by reflection over the
/// option classes of the Reb assemblies (every class with a <c>public const string Section</c>), so that a typo such as
/// REB__SILO__SILPORT fails instead of being silently ignored by the configuration binder.
/// </summary>
public static class OptionKeys
{
    /// <summary>Option types by configuration section, found in the Reb assemblies the silo host loads.</summary>
    public static IReadOnlyDictionary<string, Type[]> Sections { get; } = FindSections();

    /// <summary>Variables that are not Reb settings but are allowed in the manifests (runtime knobs).</summary>
    private static readonly string[] OtherAllowedPrefixes = ["DOTNET_", "Logging__", "NVIDIA_"];

    /// <summary>
    /// Keys the manifests set ahead of the code that will read them. Each is accepted only while the code has not
    /// defined the concept yet; once it has, the real name is enforced (so a differently named property fails here).
    /// </summary>
    private static readonly (string Key, Func<bool> StillPending)[] Pending =
    [
    ];

    /// <summary>Null when <paramref name="variable"/> is a real setting (or an allowed runtime variable); else why
    /// not.</summary>
    public static string? Problem(string variable)
    {
        if (OtherAllowedPrefixes.Any(p => variable.StartsWith(p, StringComparison.Ordinal))) return null;
        if (!variable.StartsWith("REB__", StringComparison.OrdinalIgnoreCase))
            return $"'{variable}' is neither a REB__ setting nor an allowed runtime variable " +
                $"({string.Join(", ", OtherAllowedPrefixes)})";

        var key = "Reb:" + variable["REB__".Length..].Replace("__", ":");
        var segments = key.Split(':');
        if (segments.Any(string.IsNullOrEmpty)) return $"'{variable}' has an empty section name";

        foreach (var (section, types) in Sections)
        {
            var sectionSegments = section.Split(':');
            if (sectionSegments.Length >= segments.Length) continue;
            if (!sectionSegments.Zip(segments)
                .All(p => string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase))) continue;
            if (types.Any(t => Resolves(t, segments[sectionSegments.Length..]))) return null;
        }
        if (Pending.Any(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase) && p.StillPending()))
            return null;
        return $"'{variable}' (configuration key {key}) is no property of any Reb option class " +
               $"(sections: {string.Join(", ", Sections.Keys.Order())})";
    }

    /// <summary>Whether the property path exists under <paramref name="type"/> (nested option objects
    /// allowed).</summary>
    private static bool Resolves(Type type, ReadOnlySpan<string> path)
    {
        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null || !property.CanWrite) return false;
        if (path.Length == 1) return true;
        var next = property.PropertyType;
        // Below a dictionary or list any key is data, not a property name.
        if (typeof(IEnumerable).IsAssignableFrom(next) && next != typeof(string)) return true;
        return next.IsClass && next != typeof(string) && Resolves(next, path[1..]);
    }

    private static IReadOnlyDictionary<string, Type[]> FindSections()
    {
        var assemblies = new HashSet<Assembly> { typeof(SiloHostOptions).Assembly, typeof(RebOptions).Assembly };
        foreach (var referenced in assemblies.ToList().SelectMany(a => a.GetReferencedAssemblies()))
            if (referenced.Name?.StartsWith("Reb.", StringComparison.Ordinal) == true)
                assemblies.Add(Assembly.Load(referenced));

        return assemblies
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .GroupBy(x => (string)x.Field!.GetRawConstantValue()!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Select(x => x.Type).ToArray(), StringComparer.OrdinalIgnoreCase);
    }
}
