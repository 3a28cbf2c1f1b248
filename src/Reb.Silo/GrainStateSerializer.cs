using System.Text.Json;
using Orleans.Serialization;
using Orleans.Storage;

namespace Reb.Silo;

/// <summary>
/// The serializer of the Redis and Azure Blob grain storage: Orleans' own binary serializer, which builds only the
/// types the grains declare ([GenerateSerializer] state and contracts), instead of the providers' JSON default whose
/// type names in the payload (<c>$type</c>) choose what gets constructed. Whoever can write the store can then forge a
/// record's values, but not make the silo construct a type of their choosing. A payload that is JSON with type names
/// (written by hand, or by the old serializer) is refused by name before anything reads it; any other unreadable
/// payload is refused with the state's type.
/// </summary>
public sealed class GrainStateSerializer(Serializer serializer) : IGrainStorageSerializer
{
    private readonly OrleansGrainStorageSerializer _inner = new(serializer);

    public BinaryData Serialize<T>(T? input) => _inner.Serialize(input);

    public T Deserialize<T>(BinaryData input)
    {
        if (HasTypeNames(input.ToMemory().Span))
            throw new InvalidDataException($"grain state of type {typeof(T).Name} holds a '$type' member (JSON with " +
                                           "type names, which this silo never writes): refused, not read");
        try { return _inner.Deserialize<T>(input)!; }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException(
                $"grain state of type {typeof(T).Name} cannot be read ({e.Message}): refused", e);
        }
    }

    /// <summary>The payload is JSON (not Orleans' binary format) with a "$type" property somewhere in it.</summary>
    private static bool HasTypeNames(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            bool typed = false;
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("$type"u8)) typed = true;
            return typed;
        }
        catch (JsonException) { return false; } // not JSON: Orleans' own format, read below
    }
}
