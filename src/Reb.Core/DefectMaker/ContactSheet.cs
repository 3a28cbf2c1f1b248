using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.DefectMaker;

/// <summary>
/// A PNG for looking at DefectMaker's output: one row per sample, columns clean + the six defect kinds, each defect
/// tile with a 1-px red contour where its mask borders. With foregrounds given, the clean tile shows the placement
/// foreground's contour in green (no contour = the whole image was used).
/// </summary>
public static class ContactSheet
{
    private const int Gap = 2;
    private const int HeaderHeight = 20;

    /// <param name="foregrounds">optional, one float [S,S] mask per sample (e.g. <see
    /// cref="DefectSampler.Foreground"/>).</param>
    /// <param name="rowCaptions">optional, one caption per row drawn on the clean tile (e.g. the file name).</param>
    public static byte[] Render(IReadOnlyList<DefectSample> samples, IReadOnlyList<Tensor>? foregrounds = null,
        IReadOnlyList<string>? rowCaptions = null)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples to draw", nameof(samples));
        if (foregrounds is not null && foregrounds.Count != samples.Count)
            throw new ArgumentException($"{foregrounds.Count} foregrounds for {samples.Count} samples",
                nameof(foregrounds));
        int versions = (int)samples[0].Images.shape[0], s = (int)samples[0].Images.shape[2];
        int width = versions * s + (versions + 1) * Gap;
        int height = HeaderHeight + samples.Count * (s + Gap) + Gap;

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(new SKColor(40, 40, 40));
        using var font = new SKFont(Reb.Core.Imaging.Fonts.Caption ?? SKTypeface.Default, 13);
        using var textPaint = new SKPaint { Color = SKColors.White, IsAntialias = true };

        for (int v = 0; v < versions; v++)
        {
            string name = samples[0].Kinds.Count > v ? samples[0].Kinds[v].ShortName() : v.ToString();
            canvas.DrawText($"{v} {name}", Gap + v * (s + Gap) + 4, HeaderHeight - 5, SKTextAlign.Left, font,
                textPaint);
        }
        for (int row = 0; row < samples.Count; row++)
        {
            using var scope = NewDisposeScope();
            var sample = samples[row];
            var tiles = sample.Images.clone(); // [V,3,S,S]
            var red = tensor(new float[] { 255, 0, 0 }).reshape(3, 1, 1);
            var green = tensor(new float[] { 0, 255, 0 }).reshape(3, 1, 1);
            for (int v = 0; v < versions; v++)
            {
                var tile = tiles[v];
                Tensor? outline = null;
                if (sample.Kinds[v] != DefectKind.Clean) outline = Contour(sample.Masks[v]).unsqueeze(0);
                else if (foregrounds is not null) outline = Contour(foregrounds[row]).unsqueeze(0);
                if (outline is not null)
                    tile.copy_(where(outline, sample.Kinds[v] == DefectKind.Clean ? green : red, tile));
            }
            var bytes = tiles.round().clamp(0, 255).to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().data<byte>()
                .ToArray();
            int y0 = HeaderHeight + row * (s + Gap) + Gap;
            for (int v = 0; v < versions; v++)
                Blit(bitmap, bytes, v * s * s * 3, s, Gap + v * (s + Gap), y0);
            if (rowCaptions is not null && row < rowCaptions.Count)
                canvas.DrawText(rowCaptions[row], Gap + 4, y0 + s - 6, SKTextAlign.Left, font, textPaint);
        }
        canvas.Flush();
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Png, 90);
        return encoded.ToArray();
    }

    /// <summary>Mask pixels with a 4-neighbour outside the mask: bool [S,S]. The image edge does not count as
    /// outside.</summary>
    public static Tensor Contour(Tensor mask)
    {
        using var scope = NewDisposeScope();
        var m = mask.gt(0.5).to(ScalarType.Float32).unsqueeze(0).unsqueeze(0);
        // 3x3 min-pool of the mask via max-pool of its negation; the -inf padding ignores outside pixels.
        var eroded = nn.functional.max_pool2d(m.neg(), 3, stride: 1, padding: 1).neg();
        var contour = m.gt(0.5).logical_and(eroded.lt(0.5)).squeeze(0).squeeze(0);
        return contour.MoveToOuterDisposeScope();
    }

    private static unsafe void Blit(SKBitmap bitmap, byte[] rgb, int offset, int s, int x0, int y0)
    {
        byte* dst = (byte*)bitmap.GetPixels();
        int stride = bitmap.RowBytes;
        for (int y = 0; y < s; y++)
        {
            byte* row = dst + (y0 + y) * stride + x0 * 4;
            int src = offset + y * s * 3;
            for (int x = 0; x < s; x++)
            {
                row[4 * x] = rgb[src + 3 * x];
                row[4 * x + 1] = rgb[src + 3 * x + 1];
                row[4 * x + 2] = rgb[src + 3 * x + 2];
                row[4 * x + 3] = 255;
            }
        }
    }
}
