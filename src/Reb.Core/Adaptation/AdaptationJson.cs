using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reb.Core.Adaptation;

/// <summary>JSON settings shared by the adaptation record and checkpoints.</summary>
internal static class AdaptationJson
{
    /// <summary>Indented, enums as names, and fields included: DefectMaker's ranges are value tuples, whose
    /// Item1/Item2 are fields that System.Text.Json skips by default (they would silently come back as
    /// defaults).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        IncludeFields = true,
        Converters = { new JsonStringEnumConverter() },
    };
}
