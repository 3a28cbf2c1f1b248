using System.Net.Http.Json;
using Reb.Abstractions.Client;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>
/// One verdict: with a threshold override between the model's threshold and an image's score, the CLI's path
/// (<see cref="RebClusterClient.ScoreAsync(string, byte[], string, CancellationToken)"/>, what `reb cluster score`
/// calls),
/// HTTP inspect and the inspection log the dashboard reads all show the same verdict against the same threshold.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OneVerdictTests(GatewayFixture gateway)
{
    private const string Line = GatewayFixture.ScratchLine;

    [Fact]
    public async Task Cli_http_and_inspection_log_agree_on_the_verdict_under_a_threshold_override()
    {
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        (await engineer.PostAsJsonAsync($"api/lines/{Line}/promote", new { version = gateway.Version }))
            .EnsureSuccessStatusCode();
        (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold = (double?)null }))
            .EnsureSuccessStatusCode();
        var client = new RebClusterClient(gateway.Grains);
        var image = await File.ReadAllBytesAsync(gateway.DefectImages[0]);
        var plain = await client.ScoreAsync(Line, image, "defect.png");

        foreach (var factor in new[] { 0.5, 1.5 })
        {
            // An override on the other side of the score from the model's threshold flips the verdict everywhere at
            // once.
            double threshold = Math.Round(plain.Score * factor, 4);
            (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold })).EnsureSuccessStatusCode();
            bool expectReject = plain.Score >= threshold;

            var cli = await new RebClusterClient(gateway.Grains).ScoreAsync(Line, image, "defect.png");
            var http = await (await op.PostAsync($"api/lines/{Line}/inspect", Http.Image(image))).ReadJson();
            var logged = (await (await op.GetAsync($"api/lines/{Line}/inspections?take=1")).ReadJson()).EnumerateArray()
                .First();

            Assert.Equal(expectReject, cli.Reject);
            Assert.Equal(threshold, cli.Threshold);
            Assert.Equal(expectReject ? "reject" : "good", http.GetProperty("verdict").GetString());
            Assert.Equal(threshold, http.GetProperty("threshold").GetDouble());
            Assert.Equal(http.GetProperty("id").GetString(), logged.GetProperty("id").GetString());
            Assert.Equal(http.GetProperty("verdict").GetString(), logged.GetProperty("verdict").GetString());
            Assert.Equal(threshold, logged.GetProperty("threshold").GetDouble());
        }
        (await engineer.PutAsJsonAsync($"api/lines/{Line}/threshold", new { threshold = (double?)null }))
            .EnsureSuccessStatusCode();
    }
}
