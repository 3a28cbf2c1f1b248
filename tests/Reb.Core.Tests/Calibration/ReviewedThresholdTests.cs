using Reb.Core.Calibration;

namespace Reb.Core.Tests.Calibration;

/// <summary>The threshold reviews suggest: fewest mistakes on the labelled scores, halfway between the scores it
/// separates, nearest the current one.</summary>
public sealed class ReviewedThresholdTests
{
    [Fact]
    public void Separable_reviews_suggest_the_midpoint_nearest_the_current_threshold()
    {
        // Good parts up to 12 (one was a false reject at 12 >= 10), defects from 20: any cut in (12, 20] makes no
        // mistake; the midpoints are 11 (between 10 and 12: still one mistake) and 16 (between 12 and 20: none).
        Assert.Equal(16, ReviewedThreshold.Suggest([5, 10, 12], [20, 25], current: 10));
    }

    [Fact]
    public void Without_reviews_there_is_no_suggestion_and_agreeing_reviews_keep_the_current_threshold()
    {
        Assert.Null(ReviewedThreshold.Suggest([], [], 10));
        Assert.Equal(10, ReviewedThreshold.Suggest([1, 2], [30], current: 10));
    }

    [Fact]
    public void An_escape_pulls_the_suggestion_below_the_missed_defect()
    {
        var t = ReviewedThreshold.Suggest([1, 2, 3], [8], current: 10)!.Value;
        Assert.True(t > 3 && t <= 8, $"suggested {t}");
        Assert.Equal(1.0, ReviewedThreshold.Rate([8], 10, defects: true)); // the defect escaped at 10
        Assert.Equal(0.0, ReviewedThreshold.Rate([8], t, defects: true));
        Assert.Equal(1 / 3.0, ReviewedThreshold.Rate([1, 2, 12], 10, defects: false));
        Assert.Null(ReviewedThreshold.Rate([], 10, defects: false));
    }
}
