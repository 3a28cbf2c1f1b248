using System.Runtime.InteropServices;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace Reb.Core.Models;

/// <summary>Raw little-endian arrays on disk (the shapes live in model.json), hashed as they are written.</summary>
public static class TensorFiles
{
    public static FileEntry WriteFloats(string path, Tensor t)
    {
        using var c = t.to(ScalarType.Float32).contiguous();
        return WriteBytes(path, c.bytes);
    }

    public static FileEntry WriteFloats(string path, float[] values)
        => WriteBytes(path, MemoryMarshal.AsBytes(values.AsSpan()));
    public static FileEntry WriteLongs(string path, long[] values)
        => WriteBytes(path, MemoryMarshal.AsBytes(values.AsSpan()));

    private static FileEntry WriteBytes(string path, ReadOnlySpan<byte> bytes)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model files are little-endian");
        using (var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            fs.Write(bytes);
        return new FileEntry(Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
    }

    public static FileEntry Describe(string path)
    {
        using var fs = File.OpenRead(path);
        return new FileEntry(Convert.ToHexStringLower(SHA256.HashData(fs)), fs.Length);
    }

    /// <summary>Reads a file checked against its manifest entry; a mismatch means corruption and is refused.</summary>
    public static byte[] ReadVerified(string dir, string name, FileEntry expected)
    {
        var path = Path.Combine(dir, name);
        if (!File.Exists(path)) throw new ModelFormatException($"model '{dir}' is incomplete: {name} is missing");
        var bytes = File.ReadAllBytes(path);
        if (bytes.LongLength != expected.Bytes)
            throw new ModelFormatException($"model '{dir}': {name} has {bytes.LongLength} bytes, the manifest says " +
                $"{expected.Bytes} (truncated or replaced)");
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (hash != expected.Sha256)
            throw new ModelFormatException($"model '{dir}': checksum mismatch for {name} (file is corrupt)");
        return bytes;
    }

    public static float[] AsFloats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    public static long[] AsLongs(byte[] bytes) => MemoryMarshal.Cast<byte, long>(bytes).ToArray();
}
