using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reb.Gateway.Verdicts;

/// <summary>
/// The message a plant's systems (PLC, MES, reject gate) receive for each inspection, as JSON with camelCase names.
/// <see cref="ImageId"/> is the image's name as the plant sent it (its camera or part id).
/// </summary>
public sealed record VerdictEvent(string InspectionId, string Line, string Site, float Score, double Threshold,
    string Verdict,
    string Version, string ImageId, DateTimeOffset TimeUtc)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static VerdictEvent FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<VerdictEvent>(json, Json) ?? throw new InvalidDataException("empty verdict event");
}
