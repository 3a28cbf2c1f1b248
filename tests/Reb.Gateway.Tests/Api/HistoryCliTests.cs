using System.CommandLine;
using System.Net.Http.Json;
using Reb.Cli.Commands.Cluster;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>
/// `reb cluster review` and `reb cluster history` against the fixture's running silo (--gateway, as an operator's
/// machine would): a review made by the CLI is the one the API shows, the CSV export holds the row, and bad input is
/// one error line with exit code 2.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class HistoryCliTests(GatewayFixture gateway)
{
    private Task<int> Reb(params string[] args)
    {
        var root = new RootCommand { ClusterCommand.Create() };
        string[] conn = ["--gateway", $"127.0.0.1:{gateway.OrleansGatewayPort}", "--cluster-id", gateway.ClusterId,
            "--artefacts", gateway.ArtefactRoot];
        return root.Parse(["cluster", .. args, .. conn])
            .InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public async Task The_cli_reviews_an_inspection_and_exports_the_history_as_csv()
    {
        var line = "hist-cli-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var inspected = await (await op.PostAsync($"api/lines/{line}/inspect?name=cli.png",
            Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0])))).ReadJson();
        var id = inspected.GetProperty("id").GetString()!;

        Assert.Equal(0, await Reb("review", "--line", line, "--id", id, "--decision", "confirm", "--note",
            "checked at the line", "--reviewer", "cli-test"));
        var row = (await (await op.GetAsync($"api/lines/{line}/inspections?review=confirmed")).ReadJson())
            .EnumerateArray().Single();
        Assert.Equal(id, row.GetProperty("id").GetString());
        Assert.Equal("cli-test", row.GetProperty("reviewer").GetString());
        Assert.Equal("checked at the line", row.GetProperty("note").GetString());

        var csv = Path.Combine(gateway.Work, $"{line}.csv");
        Assert.Equal(0, await Reb("history", "--line", line, "--csv", csv));
        var text = await File.ReadAllTextAsync(csv);
        Assert.Contains($"{id},{GatewayFixture.SiteA},{line},", text);
        Assert.Contains(",confirmed,cli-test,", text);
        Assert.Equal(0, await Reb("history", "--line", line, "--verdict", "reject", "--review", "confirmed"));

        Assert.Equal(2, await Reb("review", "--line", line, "--id", "0123456789abcdef", "--decision", "confirm"));
        Assert.Equal(2, await Reb("review", "--line", line, "--id", id, "--decision", "maybe"));
        Assert.Equal(2, await Reb("history", "--line", line, "--from", "2026-02-01", "--to", "2026-01-01"));
        Assert.Equal(2, await Reb("history", "--line", "no-such-line-" + Guid.NewGuid().ToString("N")[..6]));
    }

    [Fact]
    public async Task Inspections_made_by_reb_cluster_score_are_kept_in_the_history_with_their_image()
    {
        var line = "hist-score-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        var image = gateway.GoodImages[1];
        var outDir = Path.Combine(gateway.Work, line + "-scores");
        Assert.Equal(0, await Reb("score", "--line", line, image, "--out", outDir));
        Assert.True(File.Exists(Path.Combine(outDir, "scores.csv")));

        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var row = (await (await op.GetAsync($"api/lines/{line}/inspections")).ReadJson()).EnumerateArray().Single();
        Assert.Equal(Path.GetFileName(image), row.GetProperty("name").GetString());
        // The fixture keeps every accept's image (SampleAcceptsEvery = 1): the stored image is the one scored.
        var stored = await op.GetAsync($"api/lines/{line}/inspections/{row.GetProperty("id").GetString()}/image");
        Assert.True(stored.IsSuccessStatusCode, $"image {(int)stored.StatusCode}");
        Assert.Equal(await File.ReadAllBytesAsync(image), await stored.Content.ReadAsByteArrayAsync());
    }
}
