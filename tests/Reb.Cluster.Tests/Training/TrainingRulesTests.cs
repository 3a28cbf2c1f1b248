using Reb.Abstractions.Contracts;

namespace Reb.Cluster.Tests.Training;

/// <summary>The one set of training-request limits: every broken one is named, a valid request passes.</summary>
public sealed class TrainingRulesTests
{
    private static TrainingRequest Valid => new() { Line = "pcb", ImageKeys = ["a.png"] };

    [Fact]
    public void The_defaults_pass() => Assert.Empty(TrainingRules.Check(Valid));

    [Fact]
    public void Every_broken_limit_is_named()
    {
        // Numbers no enum declares, as a JSON body or a grain call could carry them.
        var bad = Valid with { ImageSize = 60_000, K = 0, FitShards = 65, CoresetRatio = 0, Adapt = (AdaptMode)7,
            AdaptGuard = (AdaptGuardMode)9,
            Resize = (ResizeRequest)5, Search = (SearchRequest)4, BatchSize = 0 };
        var errors = TrainingRules.Check(bad);
        Assert.Equal(9, errors.Count);
        Assert.Contains("imageSize must be in 32..1024, got 60000", errors);
        Assert.Contains("fitShards must be in 1..64, got 65", errors);
        Assert.Contains("adapt must be 'none' or 'defectmaker', got '7'", errors);
        Assert.Contains("resize must be 'square', 'aspect' or 'auto', got '5'", errors);
        Assert.Contains("search must be 'auto', 'flat' or 'cells', got '4'", errors);
    }

    [Theory]
    [InlineData("defectmaker", AdaptMode.DefectMaker)]
    [InlineData("DefectMaker", AdaptMode.DefectMaker)]
    [InlineData(" none ", AdaptMode.None)]
    public void Choices_parse_from_their_documented_names_in_any_case(string text, AdaptMode expected) =>
        Assert.Equal(expected, TrainingRules.ParseChoice<AdaptMode>(text, "adapt"));

    [Fact]
    public void An_unknown_choice_names_the_field_and_the_choices()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingRules.ParseChoice<ResizeRequest>("stretch", "resize"));
        Assert.Equal("resize must be 'square', 'aspect' or 'auto', got 'stretch'", e.Message);
        Assert.Null(TrainingRules.ParseChoice<ResizeRequest>(null, "resize"));
    }

    [Fact]
    public void Choices_travel_as_their_documented_names_in_json()
    {
        var json = System.Text.Json.JsonSerializer.Serialize(Valid with
        {
            Adapt = AdaptMode.DefectMaker,
            Search = SearchRequest.Cells
        });
        Assert.Contains("\"Adapt\":\"defectmaker\"", json);
        Assert.Contains("\"Search\":\"cells\"", json);
        var back = System.Text.Json.JsonSerializer.Deserialize<TrainingRequest>(json)!;
        Assert.Equal(AdaptMode.DefectMaker, back.Adapt);
    }

    [Fact]
    public void A_job_without_images_is_refused_by_the_grain_rule()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingRules.Validate(Valid with { ImageKeys = [] }, "job j1"));
        Assert.StartsWith("job j1: no training images", e.Message);
    }
}
