using System.Buffers.Binary;

namespace Reb.Core.Imaging;

/// <summary>Width and height read from an image's header bytes.</summary>
public readonly record struct ImageHeader(string Format, int Width, int Height)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// Reads the size of a PNG, JPEG or BMP from its first bytes without decoding anything, so that a request claiming an
/// enormous image is refused before a decoder allocates for it. Other formats return null (the decoder's own
/// header check applies to them).
/// </summary>
public static class ImageHeaderProbe
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The header's size; null for an unrecognised format.</summary>
    /// <exception cref="ImageLoadException">a recognised format whose header is truncated or invalid.</exception>
    public static ImageHeader? Probe(ReadOnlySpan<byte> b, string source)
    {
        if (b.StartsWith(PngSignature)) return Png(b, source);
        if (b.Length >= 2 && b[0] == 0xFF && b[1] == 0xD8) return Jpeg(b, source);
        if (b.Length >= 2 && b[0] == (byte)'B' && b[1] == (byte)'M') return Bmp(b, source);
        return null;
    }

    private static ImageHeader Png(ReadOnlySpan<byte> b, string source)
    {
        // signature (8) + IHDR chunk length (4) + "IHDR" (4) + width (4) + height (4), big-endian
        if (b.Length < 24) throw new ImageLoadException(source, "the PNG header is truncated");
        if (!b.Slice(12, 4).SequenceEqual("IHDR"u8))
            throw new ImageLoadException(source, "the PNG header has no IHDR chunk first");
        return Checked("png", BinaryPrimitives.ReadInt32BigEndian(b[16..]),
            BinaryPrimitives.ReadInt32BigEndian(b[20..]), source);
    }

    private static ImageHeader Jpeg(ReadOnlySpan<byte> b, string source)
    {
        int i = 2;
        while (i + 4 <= b.Length)
        {
            if (b[i] != 0xFF)
                throw new ImageLoadException(source, $"the JPEG header is corrupt (no marker at byte {i})");
            byte marker = b[i + 1];
            if (marker == 0xFF) { i++; continue; }                                   // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8)) { i += 2; continue; }       // markers without a length
            int length = BinaryPrimitives.ReadUInt16BigEndian(b[(i + 2)..]);
            // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (i + 9 > b.Length) break;
                return Checked("jpeg", BinaryPrimitives.ReadUInt16BigEndian(b[(i + 7)..]),
                    BinaryPrimitives.ReadUInt16BigEndian(b[(i + 5)..]), source);
            }
            if (length < 2) throw new ImageLoadException(source, "the JPEG header is corrupt (segment length < 2)");
            i += 2 + length;
        }
        throw new ImageLoadException(source, "the JPEG header is truncated (no frame header found)");
    }

    private static ImageHeader Bmp(ReadOnlySpan<byte> b, string source)
    {
        if (b.Length < 26) throw new ImageLoadException(source, "the BMP header is truncated");
        int dib = BinaryPrimitives.ReadInt32LittleEndian(b[14..]);
        if (dib == 12)
            return Checked("bmp", BinaryPrimitives.ReadUInt16LittleEndian(b[18..]),
                BinaryPrimitives.ReadUInt16LittleEndian(b[20..]), source);
        // Negative height = top-down rows; the size is its absolute value.
        return Checked("bmp", BinaryPrimitives.ReadInt32LittleEndian(b[18..]),
            Math.Abs(BinaryPrimitives.ReadInt32LittleEndian(b[22..])), source);
    }

    private static ImageHeader Checked(string format, int width, int height, string source) =>
        width > 0 && height > 0 ? new ImageHeader(format, width, height)
            : throw new ImageLoadException(source,
                $"the {format.ToUpperInvariant()} header claims an invalid size {width}x{height}");
}
