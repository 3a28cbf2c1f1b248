using System.Text.Json.Serialization;

namespace Reb.Abstractions.Contracts;

// The choices of a training request, typed: the CLI's options, the HTTP form and JSON bodies and the training grain all
// read these enums, and their names on the wire are the lower-case words the docs use (`--adapt defectmaker`).

/// <summary>Backbone adaptation before fitting.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdaptMode>))]
public enum AdaptMode
{
    /// <summary>ImageNet weights as they are.</summary>
    [JsonStringEnumMemberName("none")] None,
    /// <summary>REB's self-supervised fine-tuning on DefectMaker's synthetic defects.</summary>
    [JsonStringEnumMemberName("defectmaker")] DefectMaker,
}

/// <summary>What the adaptation guard does with an adapted backbone.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdaptGuardMode>))]
public enum AdaptGuardMode
{
    /// <summary>Keep the adapted backbone only when it beats ImageNet's on synthetic defects.</summary>
    [JsonStringEnumMemberName("on")] On,
    /// <summary>Always use it, without judging.</summary>
    [JsonStringEnumMemberName("off")] Off,
    /// <summary>Judge and record the verdict, but use it anyway (ablations).</summary>
    [JsonStringEnumMemberName("report")] Report,
}

/// <summary>How images are resized before the backbone.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResizeRequest>))]
public enum ResizeRequest
{
    /// <summary>Squash to image size x image size (the method).</summary>
    [JsonStringEnumMemberName("square")] Square,
    /// <summary>Short side = image size, long side by the same factor rounded to a multiple of 32.</summary>
    [JsonStringEnumMemberName("aspect")] Aspect,
    /// <summary>Aspect only when the training images are elongated and need no upsampling.</summary>
    [JsonStringEnumMemberName("auto")] Auto,
}

/// <summary>How a line's banks are searched; the scores are the same either way.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SearchRequest>))]
public enum SearchRequest
{
    /// <summary>Cells only where a probe of the bank shows they pay.</summary>
    [JsonStringEnumMemberName("auto")] Auto,
    /// <summary>Every bank row.</summary>
    [JsonStringEnumMemberName("flat")] Flat,
    /// <summary>Exact search that skips the cells proven too far.</summary>
    [JsonStringEnumMemberName("cells")] Cells,
}

/// <summary>The wire names of the choices and their parsing, for the places that read them from text (form fields,
/// command-line values).</summary>
public static class TrainingChoices
{
    /// <summary>The lower-case wire name of <paramref name="value"/> (as the docs and JSON spell it).</summary>
    public static string Name<T>(T value) where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttributes(typeof(JsonStringEnumMemberNameAttribute), false)
            .Cast<JsonStringEnumMemberNameAttribute>().FirstOrDefault()?.Name ?? value.ToString().ToLowerInvariant();

    /// <summary>Every wire name of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => Enum.GetValues<T>().Select(Name).ToList();

    /// <summary>The choice named <paramref name="text"/> (its wire name, any case); null when none is.</summary>
    public static T? Parse<T>(string text) where T : struct, Enum =>
        Enum.GetValues<T>().Cast<T?>()
        .FirstOrDefault(v => string.Equals(Name(v!.Value), text?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether <paramref name="value"/> is one of the declared choices (a number sent as JSON may not
    /// be).</summary>
    public static bool IsDefined<T>(T value) where T : struct, Enum => Enum.IsDefined(value);

    /// <summary>"'a', 'b' or 'c'", for messages.</summary>
    public static string List<T>() where T : struct, Enum
    {
        var names = Names<T>();
        return string.Join(", ", names.Take(names.Count - 1).Select(n => $"'{n}'")) + $" or '{names[^1]}'";
    }
}
