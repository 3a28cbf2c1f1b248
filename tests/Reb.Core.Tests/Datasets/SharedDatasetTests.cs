using Reb.Core.Datasets;
using Reb.Core.Tests.TestSupport;

namespace Reb.Core.Tests.Datasets;

/// <summary>Listing the real shared datasets gives the counts their README states.</summary>
public class SharedDatasetTests
{
    [SharedDataFact]
    public void MagneticTileCountsMatchReadme()
    {
        var data = DatasetReader.Open(SharedData.Category("magnetic_tile"));
        Assert.Equal(DatasetLayout.MvtecAd, data.Layout);
        Assert.Equal(761, data.TrainGood.Count);
        Assert.Equal(191, data.Test.Count(s => !s.IsAnomalous));
        Assert.Equal(388, data.Test.Count(s => s.IsAnomalous));
        var perType = data.Test.Where(s => s.IsAnomalous).GroupBy(s => s.DefectType)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["blowhole"] = 115, ["break"] = 85, ["crack"] = 57, ["fray"] = 32,
            ["uneven"] = 99 }, perType);
        AssertEveryDefectHasOneExistingMask(data);
    }

    [SharedDataFact]
    public void DeepPcbCountsMatchReadme()
    {
        var data = DatasetReader.Open(SharedData.Category("deeppcb"));
        Assert.Equal(DatasetLayout.MvtecAd, data.Layout);
        Assert.Equal(1000, data.TrainGood.Count);
        Assert.Equal(500, data.Test.Count(s => !s.IsAnomalous));
        Assert.Equal(500, data.Test.Count(s => s.IsAnomalous && s.DefectType == "defect"));
        AssertEveryDefectHasOneExistingMask(data);
    }

    private static void AssertEveryDefectHasOneExistingMask(Dataset data)
    {
        Assert.Empty(data.Warnings);
        Assert.All(data.Test.Where(s => s.IsAnomalous),
            s => Assert.True(File.Exists(Assert.Single(s.MaskPaths)), s.ImagePath));
    }
}
