using Google.Protobuf;
using Onnx;

namespace Reb.Core.Tests.Backbones;

/// <summary>Builds small ONNX models in code, to test ops the ResNet18 graph does not use.</summary>
internal static class TinyOnnx
{
    public static NodeProto Node(string op, string name, string[] inputs, string output,
        params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    /// <summary>Float tensor stored as little-endian raw bytes (the other encoding ONNX files use).</summary>
    public static TensorProto RawFloats(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    public static TensorProto Int64s(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        return t;
    }

    public static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType =
                new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    /// <summary>A model (IR 7, opset 11) with one float input and the given nodes, initializers and outputs.</summary>
    public static ModelProto Model(ValueInfoProto input, IEnumerable<NodeProto> nodes,
        IEnumerable<TensorProto> initializers, IEnumerable<string> outputs)
    {
        var graph = new GraphProto { Name = "tiny" };
        graph.Input.Add(input);
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(initializers);
        foreach (var o in outputs)
            graph.Output.Add(new ValueInfoProto
            {
                Name = o,
                Type = new TypeProto { TensorType =
                    new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        var model = new ModelProto { IrVersion = 7, ProducerName = "Reb.Core.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 11 });
        return model;
    }

    public static float[] RandomNormal(Random random, int count, float scale = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            // Box-Muller: normal values, so about half are negative (matters for max-pool padding).
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return values;
    }
}
