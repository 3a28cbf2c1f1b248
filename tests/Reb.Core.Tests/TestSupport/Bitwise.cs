using static TorchSharp.torch;

namespace Reb.Core.Tests.TestSupport;

/// <summary>Bit-for-bit tensor comparison (TorchSharp's Tensor.equal is elementwise, not torch.equal).</summary>
internal static class Bitwise
{
    public static bool Same(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape) || a.dtype != b.dtype) return false;
        using var eq = a.eq(b);
        using var all = eq.all();
        return all.item<bool>();
    }
}
