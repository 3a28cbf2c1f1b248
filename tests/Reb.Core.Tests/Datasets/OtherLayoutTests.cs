using Reb.Core.Datasets;

namespace Reb.Core.Tests.Datasets;

public class OtherLayoutTests
{
    [Fact]
    public void MvtecLocoListsEveryMaskOfAnImage()
    {
        using var tree = new FakeTree().Files(
            "train/good/000.png", "train/good/001.png",
            "validation/good/000.png",
            "test/good/000.png",
            "test/logical_anomalies/000.png", "test/logical_anomalies/001.png",
            "test/structural_anomalies/000.png",
            "ground_truth/logical_anomalies/000/001.png", "ground_truth/logical_anomalies/000/000.png",
            "ground_truth/logical_anomalies/001/000.png")
            .Folders("ground_truth/structural_anomalies"); // structural 000 has no mask folder

        var data = DatasetReader.Open(tree.Root);
        Assert.Equal(DatasetLayout.MvtecLoco, data.Layout);
        Assert.Equal(2, data.TrainGood.Count);
        Assert.Equal([tree.Path("validation/good/000.png")], data.Validation);
        Assert.Equal(["good", "logical_anomalies", "logical_anomalies", "structural_anomalies"],
            data.Test.Select(s => s.DefectType));
        Assert.Equal(
            [tree.Path("ground_truth/logical_anomalies/000/000.png"),
                tree.Path("ground_truth/logical_anomalies/000/001.png")],
            data.Test[1].MaskPaths);
        Assert.Single(data.Test[2].MaskPaths);
        Assert.Empty(data.Test[3].MaskPaths);
        var warning = Assert.Single(data.Warnings);
        Assert.Contains("test/structural_anomalies/000.png", warning);
    }

    [Fact]
    public void BtadMatchesMasksByStemAcrossExtensions()
    {
        using var tree = new FakeTree().Files(
            "train/ok/0000.bmp", "train/ok/0001.bmp",
            "test/ok/0000.bmp",
            "test/ko/0000.bmp", "test/ko/0001.jpg", "test/ko/0002.png",
            "ground_truth/ko/0000.png", "ground_truth/ko/0001.png", "ground_truth/ko/0002_mask.png");

        var data = DatasetReader.Open(tree.Root);
        Assert.Equal(DatasetLayout.Btad, data.Layout);
        Assert.Equal(2, data.TrainGood.Count);
        Assert.Equal([true, true, true, false], data.Test.Select(s => s.IsAnomalous)); // ko before ok (ordinal)
        Assert.Equal([tree.Path("ground_truth/ko/0000.png")], data.Test[0].MaskPaths);
        Assert.Equal([tree.Path("ground_truth/ko/0001.png")], data.Test[1].MaskPaths);
        Assert.Equal([tree.Path("ground_truth/ko/0002_mask.png")], data.Test[2].MaskPaths);
        Assert.Empty(data.Warnings);
    }

    [Fact]
    public void PlainFolderListsImagesWithoutLabels()
    {
        using var tree = new FakeTree().Files("b.png", "a.JPG", "c.webp", "notes.txt", ".hidden.png", "sub/x.png");
        var data = DatasetReader.Open(tree.Root, shots: 3);
        Assert.Equal(DatasetLayout.PlainFolder, data.Layout);
        Assert.False(data.HasLabels);
        Assert.Empty(data.TrainGood);
        Assert.Equal(["a.JPG", "b.png", "c.webp"], data.Test.Select(s => Path.GetFileName(s.ImagePath)));
        Assert.All(data.Test, s => Assert.Equal(DatasetSample.Unlabelled, s.DefectType));
        Assert.Contains(data.Warnings, w => w.Contains("shots = 3 ignored"));
    }

    [Fact]
    public void UnrecognisedFolderSaysWhatWasExpected()
    {
        using var tree = new FakeTree().Files("docs/readme.txt", "notes.txt");
        var ex = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(tree.Root));
        Assert.Contains("could not recognise the dataset layout", ex.Message);
        Assert.Contains("MVTec AD", ex.Message);
        Assert.Contains("BTAD", ex.Message);
        Assert.Contains("plain folder", ex.Message);
    }

    [Fact]
    public void FolderOfCategoriesPointsToOneCategory()
    {
        using var tree = new FakeTree().Files("bottle/train/good/000.png", "cable/train/good/000.png");
        var ex = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(tree.Root));
        Assert.Contains("bottle, cable", ex.Message);
    }

    [Fact]
    public void EmptyPlainFolderIsAnError()
    {
        using var tree = new FakeTree().Files("notes.txt");
        var ex = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(tree.Root, DatasetLayout.PlainFolder));
        Assert.Contains("no image files in", ex.Message);
    }
}
