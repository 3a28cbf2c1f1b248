using Reb.Core.Adaptation;
using Reb.Core.Backbones;
using Reb.Core.DefectMaker;
using Reb.Core.Imaging;
using Reb.Core.Tests.DefectMaker;
using TorchSharp;
using static TorchSharp.torch;

namespace Reb.Core.Tests.Adaptation;

/// <summary>Tiny training sets (64 px PNGs in a temporary folder) and helpers shared by the adaptation tests.</summary>
internal sealed class AdaptationTestData : IDisposable
{
    public const int Size = 64;

    public AdaptationTestData(int imageCount = 3, int seed = 11)
    {
        Folder = Path.Combine(Path.GetTempPath(), "reb-adapt-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        var paths = new List<string>();
        for (int i = 0; i < imageCount; i++)
        {
            using var t = SyntheticImages.Smooth(Size, seed + i);
            var path = Path.Combine(Folder, $"{i:D3}.png");
            ImageWriter.SavePng(ToRgb(t), path);
            paths.Add(path);
        }
        Images = paths;
    }

    public string Folder { get; }
    public IReadOnlyList<string> Images { get; }

    /// <summary>A tiny recipe: 64 px, 2 sources per pass, 2 passes (accumulation is exercised), frozen for step
    /// 1.</summary>
    public static AdaptationOptions TinyOptions(int steps = 3, int seed = 5) => new()
    {
        Budget = "test", Steps = steps, SourcesPerPass = 2, PassesPerStep = 2, FrozenSteps = 1,
            ScheduleSteps = steps + 1,
        Seed = seed, ImageSize = Size, DefectMaker = new DefectMakerOptions { Placement = Placement.Uniform },
    };

    public DefectSampler Sampler() => DefectSampler.FromFiles(Images, new DefectMakerOptions
    {
        ImageSize = Size,
        Placement = Placement.Uniform
    });

    public string NewSubfolder(string name)
    {
        var d = Path.Combine(Folder, name);
        Directory.CreateDirectory(d);
        return d;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>Copies of every parameter and buffer of a module, by state-dict name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var noGrad = no_grad();
        return module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
    }

    /// <summary>Names whose tensors differ (not bit-identical) between two snapshots of the same module.</summary>
    public static List<string> Differences(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b)
    {
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        return a.Keys.Where(k => !TensorAssert.Same(a[k], b[k])).ToList();
    }

    public static void DisposeAll(Dictionary<string, Tensor> snapshot)
    {
        foreach (var t in snapshot.Values) t.Dispose();
    }

    private static RgbImage ToRgb(Tensor chw)
    {
        var hwc = chw.permute(1, 2, 0).contiguous().clamp(0, 255).to(ScalarType.Byte);
        return new RgbImage((int)chw.shape[2], (int)chw.shape[1], hwc.data<byte>().ToArray());
    }
}
