namespace Reb.Core.Datasets;

/// <summary>Folder conventions <see cref="DatasetReader"/> understands.</summary>
public enum DatasetLayout
{
    /// <summary>Recognise the layout from the folder structure.</summary>
    Auto,
    /// <summary>MVTec AD: train/good, test/&lt;defect&gt;, ground_truth/&lt;defect&gt;/&lt;stem&gt;_mask.png.</summary>
    MvtecAd,
    /// <summary>MVTec LOCO: train/good, validation/good, test/{good,logical_anomalies,structural_anomalies},
    /// ground_truth/&lt;type&gt;/&lt;stem&gt;/000.png...</summary>
    MvtecLoco,
    /// <summary>BTAD (one product folder 01, 02 or 03): train/ok, test/ok, test/ko,
    /// ground_truth/ko/&lt;stem&gt;.*.</summary>
    Btad,
    /// <summary>Every image file directly inside one folder, without labels (for scoring).</summary>
    PlainFolder,
}
