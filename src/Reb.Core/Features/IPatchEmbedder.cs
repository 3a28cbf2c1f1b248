using Reb.Core.Imaging;
using static TorchSharp.torch;

namespace Reb.Core.Features;

/// <summary>Turns a batch of resized images into patch features: the only thing the LDKNN side needs from a
/// backbone.</summary>
public interface IPatchEmbedder : IDisposable
{
    /// <summary>What the backbone is, for reports (e.g. "resnet18-imagenet").</summary>
    string Name { get; }
    /// <summary>Side of the square input images (256 in the method).</summary>
    int ImageSize { get; }
    /// <summary>Side of the patch grid (32 at 256 px: layer2's stride 8).</summary>
    int GridSize { get; }
    /// <summary>Feature dimension D.</summary>
    int Dim { get; }
    /// <summary>[N,3,S,S] RGB 0..255 -> [N*G*G, D], rows in (image, y, x) order (native-aspect: [N,3,H,W] -> [N*GH*GW,
    /// D]).</summary>
    Tensor Embed(Tensor images);
    /// <summary>How images are resized for this embedder; square unless a line chose native aspect.</summary>
    ResizeMode Resize => ResizeMode.Square;
    /// <summary>The patch grid of one resized input of height x width: the backbone is fully convolutional, so the grid
    /// scales with the input (layer2's stride, ImageSize / GridSize = 8 for ResNet18).</summary>
    PatchGrid GridOf(long height, long width) => height == ImageSize && width == ImageSize
        ? PatchGrid.Square(GridSize)
        : new PatchGrid((int)(height * GridSize / ImageSize), (int)(width * GridSize / ImageSize));
}
