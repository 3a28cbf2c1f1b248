using TorchSharp;

namespace Reb.Core.Tests;

public class TorchSharpLoadTests
{
    [Fact]
    public void NativeLibraryLoadsAndMultiplies()
    {
        // Fails with "doesn't contain a reference to libtorch-cpu-linux-x64" if the GLIBCXX fix did not run.
        using var a = torch.ones(3, 4);
        using var b = torch.ones(4, 2);
        using var c = torch.mm(a, b);
        Assert.Equal(4f, c[0, 0].item<float>());
    }
}
