using System.Runtime.InteropServices;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Backbones;

/// <summary>Turns ONNX initializers (<see cref="TensorProto"/>) into .NET arrays and float32 torch tensors.</summary>
internal static class OnnxTensorReader
{
    /// <summary>Reads a FLOAT or DOUBLE initializer as float32 values (row-major, as ONNX stores them).</summary>
    public static float[] ReadFloats(TensorProto t)
    {
        RejectExternal(t);
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Float:
                if (t.FloatData.Count > 0) return t.FloatData.ToArray();
                return MemoryMarshal.Cast<byte, float>(LittleEndianRaw(t)).ToArray();
            case TensorProto.Types.DataType.Double:
                var doubles = t.DoubleData.Count > 0 ? t.DoubleData.ToArray()
                    : MemoryMarshal.Cast<byte, double>(LittleEndianRaw(t)).ToArray();
                return Array.ConvertAll(doubles, d => (float)d);
            default:
                throw new NotSupportedException(
                    $"ONNX initializer '{t.Name}' has data type {(TensorProto.Types.DataType)t.DataType}; only FLOAT " +
                    "and DOUBLE weights are supported.");
        }
    }

    /// <summary>Reads an INT64 (or INT32) initializer, e.g. the target shape of a Reshape node.</summary>
    public static long[] ReadInt64s(TensorProto t)
    {
        RejectExternal(t);
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Int64:
                if (t.Int64Data.Count > 0) return t.Int64Data.ToArray();
                return MemoryMarshal.Cast<byte, long>(LittleEndianRaw(t)).ToArray();
            case TensorProto.Types.DataType.Int32:
                if (t.Int32Data.Count > 0) return t.Int32Data.Select(i => (long)i).ToArray();
                return MemoryMarshal.Cast<byte, int>(LittleEndianRaw(t)).ToArray().Select(i => (long)i).ToArray();
            default:
                throw new NotSupportedException(
                    $"ONNX initializer '{t.Name}' has data type {(TensorProto.Types.DataType)t.DataType}; an integer " +
                    "tensor was expected.");
        }
    }

    /// <summary>A new float32 CPU tensor with the initializer's dims and values.</summary>
    public static Tensor ToFloatTensor(TensorProto t)
    {
        var values = ReadFloats(t);
        var dims = t.Dims.ToArray();
        long expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != values.Length)
            throw new InvalidDataException(
                $"ONNX initializer '{t.Name}' declares dims [{string.Join(",", dims)}] ({expected} values) but holds " +
                $"{values.Length}.");
        return torch.tensor(values, dims, dtype: ScalarType.Float32);
    }

    private static ReadOnlySpan<byte> LittleEndianRaw(TensorProto t)
    {
        // ONNX raw_data is little-endian; reinterpreting the bytes is only right on a little-endian CPU.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Reading ONNX raw_data needs a little-endian machine.");
        return t.RawData.Span;
    }

    private static void RejectExternal(TensorProto t)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException(
                $"ONNX initializer '{t.Name}' keeps its data in an external file; save the model with the weights " +
                "embedded.");
    }
}
