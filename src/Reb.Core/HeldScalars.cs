using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core;

/// <summary>
/// Tensor-with-number arithmetic whose Scalar lives until the native call returns. TorchSharp 0.107 passes the raw
/// handle of an implicitly converted (temporary) Scalar to libtorch; when the garbage collector finalises that
/// temporary mid-call, libtorch reads freed memory ("Expected false to be true" in Scalar::toLong, "Unknown scalar
/// type"): seen in the DefectMaker batch thread under GC pressure. Hot loops use these instead of x.mul(0.5) etc.
/// </summary>
public static class HeldScalars
{
    public static Tensor MulBy(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.mul(s);
    }

    public static Tensor AddBy(this Tensor x, double value)
    {
        // add(Scalar) passes a temporary alpha of 1 as well: held here too (a freed alpha failed a CI run with
        // "Expected false to be true" in Scalar::toFloat under add_Scalar, in the DefectMaker batch thread).
        using var s = value.ToScalar();
        using var alpha = 1.ToScalar();
        return x.add(s, alpha);
    }

    /// <summary>x + y: add(Tensor) passes a temporary alpha of 1, held here.</summary>
    public static Tensor Plus(this Tensor x, Tensor y)
    {
        using var alpha = 1.ToScalar();
        return x.add(y, alpha);
    }

    public static Tensor DivBy(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.div(s);
    }

    public static Tensor RemainderBy(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.remainder(s);
    }

    public static Tensor ClampTo(this Tensor x, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return x.clamp(lo, hi);
    }
}
