using Reb.Core.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>
/// DefectMaker of section 4 over one category's training images: <see cref="MakeSample"/> turns a source image into
/// the clean image plus its six defective versions (3 shapes x 2 fills). Every random choice comes from the
/// <see cref="Random"/> passed in, consumed in a fixed order, so the same seed gives bit-identical tensors.
/// Images are held once as 8-bit tensors [3,H,W] (H = W = S in square mode; native-aspect mode keeps each image's
/// resized shape); foreground masks are estimated once at construction.
/// (Named "sampler", not "DefectMaker", so the type never shadows its namespace in callers.)
/// </summary>
public sealed class DefectSampler : IDisposable
{
    private readonly Tensor[] _images;           // uint8 [3,H,W] each
    private readonly Tensor[] _foreground;       // uint8 [H,W] each
    private readonly int[]?[] _foregroundPixels; // flat indices of foreground pixels; null = whole image
    private readonly bool[] _wholeImage;
    private readonly ShapeMaker _shapes;

    public DefectMakerOptions Options { get; }
    public int Count { get; }
    public int ImageSize => Options.ImageSize;

    /// <param name="images">the category's training images, each float [3,S,S] with values 0..255 and S =
    /// options.ImageSize
    /// (e.g. from <see cref="ImageResizer.ResizeRgb(RgbImage,int)"/>); in native-aspect mode [3,H,W] with both sides at
    /// least S. They are copied; the caller keeps ownership.</param>
    public DefectSampler(IReadOnlyList<Tensor> images, DefectMakerOptions? options = null)
    {
        Options = options ?? new DefectMakerOptions();
        Options.Validate();
        if (images.Count == 0) throw new ArgumentException(
            "at least one training image is needed (cut-paste draws from them)", nameof(images));
        int s = Options.ImageSize;
        for (int i = 0; i < images.Count; i++)
        {
            var shape = images[i].shape;
            bool fits = Options.Resize == ResizeMode.Square
                ? shape.Length == 3 && shape[0] == 3 && shape[1] == s && shape[2] == s
                : shape.Length == 3 && shape[0] == 3 && shape[1] >= s && shape[2] >= s;
            if (!fits)
                throw new ArgumentException(Options.Resize == ResizeMode.Square
                    ? $"image {i} is [{string.Join(",", shape)}], expected [3,{s},{s}] (resize to ImageSize first)"
                    : $"image {i} is [{string.Join(",", shape)}], expected [3,H,W] with H, W >= {s} (resize by the " +
                    "native-aspect rule first)", nameof(images));
        }
        Count = images.Count;
        _shapes = new ShapeMaker(Options.Shapes);
        _foregroundPixels = new int[]?[Count];
        _wholeImage = new bool[Count];
        using (var scope = NewDisposeScope())
        {
            // Owned by this object for its lifetime: detached from every dispose scope (a caller's scope would free
            // it).
            _images = images.Select(t => t.round().ClampTo(0, 255).to(ScalarType.Byte).DetachFromDisposeScope())
                .ToArray();
            var masks = new Tensor[Count];
            for (int i = 0; i < Count; i++)
            {
                if (Options.Placement == Placement.Uniform)
                {
                    masks[i] = ones(images[i].shape[1], images[i].shape[2], dtype: ScalarType.Byte)
                        .DetachFromDisposeScope();
                    _wholeImage[i] = true;
                    continue;
                }
                using var inner = NewDisposeScope();
                var fg = ForegroundEstimator.Estimate(images[i], Options.Foreground);
                _wholeImage[i] = fg.IsWholeImage;
                if (!fg.IsWholeImage)
                    _foregroundPixels[i] = fg.Mask.reshape(-1).nonzero().squeeze(1).to(ScalarType.Int32).data<int>()
                        .ToArray();
                masks[i] = fg.Mask.to(ScalarType.Byte).DetachFromDisposeScope();
            }
            _foreground = masks;
        }
    }

    /// <summary>Resizes decoded images to ImageSize (section 1's PIL-like bicubic) and builds the sampler.</summary>
    public static DefectSampler FromImages(IReadOnlyList<RgbImage> images, DefectMakerOptions? options = null)
    {
        var o = options ?? new DefectMakerOptions();
        using var scope = NewDisposeScope();
        var tensors = images.Select(im => ImageResizer.ResizeRgb(im, o.ImageSize, o.Resize)).ToArray();
        return new DefectSampler(tensors, o);
    }

    /// <summary>Loads (any bad file raises <see cref="ImageLoadException"/> naming it), resizes and builds the
    /// sampler.</summary>
    public static DefectSampler FromFiles(IReadOnlyList<string> paths, DefectMakerOptions? options = null)
    {
        if (paths.Count == 0) throw new ArgumentException("no training image paths given", nameof(paths));
        var o = options ?? new DefectMakerOptions();
        var tensors = new Tensor[paths.Count];
        try
        {
            // Decoding dominates; the order of the result does not depend on the threads.
            Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i =>
            {
                // the one decode -> resize path
                var t = ImageSource.FromFile(paths[i]).Prepare(o.ImageSize, o.Resize).Resized;
                tensors[i] = t.to(ScalarType.Byte);
                t.Dispose();
            });
            using var scope = NewDisposeScope();
            return new DefectSampler(tensors.Select(t => t.to(ScalarType.Float32)).ToArray(), o);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            throw e.InnerExceptions[0];
        }
        finally
        {
            foreach (var t in tensors) t?.Dispose();
        }
    }

    /// <summary>The resized (height, width) of source image <paramref name="index"/> (S x S in square mode).</summary>
    public (int Height, int Width) SizeOf(int index)
    {
        var shape = _images[CheckIndex(index)].shape;
        return ((int)shape[1], (int)shape[2]);
    }

    /// <summary>Source image <paramref name="index"/> as float [3,H,W], 0..255 (a new tensor).</summary>
    public Tensor Image(int index) => _images[CheckIndex(index)].to(ScalarType.Float32);

    /// <summary>The foreground used for placement, float [H,W] in {0,1} (all ones for Uniform placement or a
    /// fallback).</summary>
    public Tensor Foreground(int index) => _foreground[CheckIndex(index)].to(ScalarType.Float32);

    /// <summary>True when placement on this image uses the whole image (Uniform, or the estimate fell back: a
    /// texture).</summary>
    public bool UsesWholeImage(int index) => _wholeImage[CheckIndex(index)];

    /// <summary>The clean image and its six defective versions, labels 0..6 in <see cref="DefectKind"/>
    /// order.</summary>
    public DefectSample MakeSample(int sourceIndex, Random rng)
    {
        CheckIndex(sourceIndex);
        ArgumentNullException.ThrowIfNull(rng);
        using var scope = NewDisposeScope();
        var (h, w) = SizeOf(sourceIndex);
        var images = new List<Tensor> { Image(sourceIndex) };
        var masks = new List<Tensor> { zeros(h, w) };
        var alphas = new List<Tensor> { zeros(h, w) };
        var kinds = new List<DefectKind> { DefectKind.Clean };
        var boxes = new List<DefectBox?> { null };
        var shapes = new List<ShapeInfo?> { null };
        foreach (var kind in DefectKinds.Defects)
        {
            var d = MakeDefect(sourceIndex, kind, rng);
            images.Add(d.Image); masks.Add(d.Mask); alphas.Add(d.Alpha);
            kinds.Add(kind); boxes.Add(d.Box); shapes.Add(d.Shape);
        }
        return new DefectSample(sourceIndex,
            stack(images).MoveToOuterDisposeScope(), stack(masks).MoveToOuterDisposeScope(),
            stack(alphas).MoveToOuterDisposeScope(),
            kinds, boxes, shapes);
    }

    /// <summary>One defect of the given kind on source <paramref name="sourceIndex"/>.</summary>
    public DefectResult MakeDefect(int sourceIndex, DefectKind kind, Random rng)
    {
        CheckIndex(sourceIndex);
        if (kind == DefectKind.Clean) throw new ArgumentException("Clean is not a defect kind", nameof(kind));
        using var scope = NewDisposeScope();
        var (h, w) = SizeOf(sourceIndex);
        var family = kind.Shape();
        var shape = _shapes.Make(family, rng, ImageSize); // sizes for an S canvas: the short side in native-aspect mode
        var (ay, ax) = RandomForegroundPixel(sourceIndex, rng);
        var box = DefectBox.CentredClamped(ay, ax, shape.Width, shape.Height, h, w);

        var fill = kind.Fill() == FillSource.Noise ? NoiseFill.Make(rng, box.Width, box.Height)
            : CutFill(rng, box.Width, box.Height);
        fill = ColorJitter.Apply(fill, rng, Options.FillJitter);
        double weight = family == ShapeFamily.Clump
            ? rng.Uniform(Options.ClumpAlphaScale.Min, Options.ClumpAlphaScale.Max) : 1.0;
        bool soft = rng.NextDouble() < Options.SoftAlphaProbability;
        var alphaLocal = soft ? AlphaMask.Smoothed(shape, Options.SoftKernel(family)) : AlphaMask.Binary(shape);
        var alpha = tensor(alphaLocal).reshape(1, box.Height, box.Width).MulBy(weight);

        var image = Image(sourceIndex);
        var region = image.narrow(1, box.Y, box.Height).narrow(2, box.X, box.Width);
        // out = alpha*fill + (1-alpha)*image, rounded to whole grey levels like the reference's 8-bit result;
        // where alpha is 0 this is exactly the (whole-valued) source pixel.
        var blended = alpha.mul(fill).Plus(alpha.neg().AddBy(1).mul(region)).round().ClampTo(0, 255);
        region.copy_(blended);

        var mask = shape.ToCanvas(box, h, w);
        var alphaCanvas = zeros(h, w);
        alphaCanvas.narrow(0, box.Y, box.Height).narrow(1, box.X, box.Width).copy_(alpha.squeeze(0));
        return new DefectResult(kind, image.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(),
            alphaCanvas.MoveToOuterDisposeScope(), box, shape.Info);
    }

    /// <summary>
    /// The adaptation batch: for each source, the clean image and its six defects (rows 7i..7i+6, labels 0..6), each
    /// row then augmented independently (section 5) when <paramref name="augmentation"/> is given.
    /// </summary>
    public DefectBatch MakeBatch(IReadOnlyList<int> sourceIndices, Random rng, Augmentation? augmentation = null,
        bool includeMasks = false)
    {
        if (sourceIndices.Count == 0) throw new ArgumentException("no source indices given", nameof(sourceIndices));
        if (sourceIndices.Select(SizeOf).Distinct().Count() > 1)
            throw new ArgumentException("a batch needs sources of one size; native-aspect sources differ (adaptation " +
                "batches are square)", nameof(sourceIndices));
        using var scope = NewDisposeScope();
        var images = new List<Tensor>();
        var masks = new List<Tensor>();
        var labels = new List<long>();
        foreach (int src in sourceIndices)
        {
            using var inner = NewDisposeScope();
            using var sample = MakeSample(src, rng);
            for (int v = 0; v < DefectKinds.ClassCount; v++)
            {
                var img = sample.Images[v];
                var m = sample.Masks[v];
                if (augmentation is not null)
                {
                    var (aug, op) = augmentation.Apply(img, rng);
                    img = aug;
                    m = op.Apply(m);
                }
                images.Add(img.contiguous().MoveToOuterDisposeScope());
                if (includeMasks) masks.Add(m.contiguous().MoveToOuterDisposeScope());
                labels.Add(v);
            }
        }
        var imageBatch = stack(images).MoveToOuterDisposeScope();
        var labelBatch = tensor(labels.ToArray(), dtype: ScalarType.Int64).MoveToOuterDisposeScope();
        var maskBatch = includeMasks ? stack(masks).MoveToOuterDisposeScope() : null;
        return new DefectBatch(imageBatch, labelBatch, maskBatch);
    }

    /// <summary>Draws N distinct source indices (partial Fisher-Yates; N capped at Count), for sheets and
    /// batches.</summary>
    public int[] DrawSources(int n, Random rng)
    {
        var all = Enumerable.Range(0, Count).ToArray();
        int take = Math.Min(n, Count);
        for (int i = 0; i < take; i++)
        {
            int j = rng.Next(i, Count);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..take];
    }

    private Tensor CutFill(Random rng, int width, int height)
    {
        int source = rng.Next(Count); // any training image of the category, possibly the same one
        var (cy, cx) = RandomForegroundPixel(source, rng);
        var (h, w) = SizeOf(source);
        var box = DefectBox.CentredClamped(cy, cx, width, height, h, w);
        return _images[source].narrow(1, box.Y, height).narrow(2, box.X, width).to(ScalarType.Float32);
    }

    private (int Y, int X) RandomForegroundPixel(int index, Random rng)
    {
        var pixels = _foregroundPixels[index];
        var (h, w) = SizeOf(index);
        int flat = pixels is null ? rng.Next(h * w) : pixels[rng.Next(pixels.Length)];
        return (flat / w, flat % w);
    }

    private int CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"source index must be in [0, {Count})");
        return index;
    }

    public void Dispose()
    {
        foreach (var t in _images) t.Dispose();
        foreach (var t in _foreground) t.Dispose();
    }
}
