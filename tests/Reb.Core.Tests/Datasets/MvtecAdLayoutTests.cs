using Reb.Core.Datasets;

namespace Reb.Core.Tests.Datasets;

public class MvtecAdLayoutTests
{
    private static FakeTree Typical() => new FakeTree().Files(
        "train/good/000.png", "train/good/001.png", "train/good/010.png", "train/good/002.png",
        "train/good/.hidden.png", "train/good/notes.txt",
        "test/good/000.png",
        "test/crack/000.png", "test/crack/001.png",
        "ground_truth/crack/000_mask.png",              // 001 has no mask
        "test/scratch/000.PNG", "ground_truth/scratch/000_mask.png",
        "mapping.csv", "LICENSE");

    [Fact]
    public void ReadsTrainTestAndMasksInOrdinalOrder()
    {
        using var tree = Typical();
        var data = DatasetReader.Open(tree.Root);

        Assert.Equal(DatasetLayout.MvtecAd, data.Layout);
        Assert.Equal("category", data.Category);
        Assert.True(data.HasLabels);
        Assert.Equal(["000.png", "001.png", "002.png", "010.png"], data.TrainGood.Select(Path.GetFileName));
        Assert.Equal(4, data.TrainGoodAvailable);
        Assert.Empty(data.Validation);

        // Test folders in ordinal order (crack, good, scratch), files in ordinal order inside each.
        Assert.Equal(["crack", "crack", "good", "scratch"], data.Test.Select(s => s.DefectType));
        Assert.Equal([true, true, false, true], data.Test.Select(s => s.IsAnomalous));
        Assert.Equal([tree.Path("ground_truth/crack/000_mask.png")], data.Test[0].MaskPaths);
        Assert.Empty(data.Test[1].MaskPaths);
        Assert.Empty(data.Test[2].MaskPaths);
        Assert.Equal([tree.Path("ground_truth/scratch/000_mask.png")], data.Test[3].MaskPaths); // upper-case .PNG image
        Assert.Equal(tree.Path("test/crack/001.png"), data.Test[1].ImagePath);

        var warning = Assert.Single(data.Warnings);
        Assert.Contains("test/crack/001.png", warning);
        Assert.Contains("ground_truth/crack/001_mask.png", warning);
    }

    [Fact]
    public void ShotsTakeTheFirstNAndClampWithAWarning()
    {
        using var tree = Typical();
        var two = DatasetReader.Open(tree.Root, shots: 2);
        Assert.Equal(["000.png", "001.png"], two.TrainGood.Select(Path.GetFileName));
        Assert.Equal(4, two.TrainGoodAvailable);

        var many = DatasetReader.Open(tree.Root, DatasetLayout.MvtecAd, shots: 50);
        Assert.Equal(4, many.TrainGood.Count);
        Assert.Contains(many.Warnings, w => w.Contains("asked for 50 shots") && w.Contains("only 4"));

        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetReader.Open(tree.Root, shots: 0));
    }

    [Fact]
    public void SortIsOrdinalNotCultureAware()
    {
        using var tree = new FakeTree()
            .Files("train/good/a2.png", "train/good/B.png", "train/good/a10.png", "train/good/_x.png");
        var data = DatasetReader.Open(tree.Root);
        // Ordinal: 'B' (66) < '_' (95) < 'a' (97); "a10" < "a2" character by character.
        Assert.Equal(["B.png", "_x.png", "a10.png", "a2.png"], data.TrainGood.Select(Path.GetFileName));
    }

    [Fact]
    public void EmptyTrainFolderIsAClearError()
    {
        using var tree = new FakeTree().Files("train/good/readme.txt", "test/good/000.png");
        var ex = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(tree.Root));
        Assert.Contains("no training images in", ex.Message);
        Assert.Contains(Path.Combine("train", "good"), ex.Message);
    }

    [Fact]
    public void TiffFilesAreSkippedWithAWarning()
    {
        using var tree = new FakeTree().Files("train/good/000.png", "train/good/001.tif", "train/good/002.TIFF");
        var data = DatasetReader.Open(tree.Root);
        Assert.Single(data.TrainGood);
        Assert.Contains(data.Warnings, w => w.Contains("2 TIFF file(s)"));
        Assert.Contains(data.Warnings, w => w.Contains("no test folder"));
    }

    [Fact]
    public void MissingFoldersAreNamed()
    {
        using var tree = new FakeTree().Files("train/ok/0000.bmp");
        var missingRoot = Assert.Throws<DirectoryNotFoundException>(() => DatasetReader.Open(tree.Path("nope")));
        Assert.Contains("dataset folder not found", missingRoot.Message);
        // Forcing the MVTec AD layout on a BTAD tree names the folder it needed.
        var wrongLayout =
            Assert.Throws<DirectoryNotFoundException>(() => DatasetReader.Open(tree.Root, DatasetLayout.MvtecAd));
        Assert.Contains(Path.Combine("train", "good"), wrongLayout.Message);
        Assert.Contains("MVTec AD", wrongLayout.Message);
    }
}
