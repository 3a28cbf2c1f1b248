using System.Net;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Telemetry;

/// <summary>A training job's progress is a gauge per job and line, at 100 when the job completed.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TrainingProgressMetricTests(GatewayFixture gateway)
{
    [Fact]
    public async Task A_training_job_reports_its_progress_per_job_and_line()
    {
        const string line = "trained-for-metrics";
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("64"), "imageSize" }, // small: the job's result is not the point here
            { new StringContent("1"), "fitShards" },
        };
        foreach (var path in gateway.TrainingImages.Take(2))
            form.Add(Http.Image(await File.ReadAllBytesAsync(path)), "images", Path.GetFileName(path));
        string jobId;
        using (var r = await engineer.PostAsync($"api/lines/{line}/training", form))
        {
            Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
            jobId = (await r.ReadJson()).GetProperty("jobId").GetString()!;
        }

        // While it runs or once it is done, the gauge has a series for this job and line.
        var seen = await Scrape.UntilAsync(gateway, t => Series(t, jobId, line).Any(),
            $"reb_training_progress for job {jobId}");
        Assert.All(Series(seen, jobId, line), v => Assert.InRange(v, 0, 100));

        string stage = "";
        for (int i = 0; i < 240 && stage is not ("Completed" or "Failed"); i++)
        {
            await Task.Delay(250);
            stage = (await (await engineer.GetAsync($"api/training/{jobId}")).ReadJson()).GetProperty("stage")
                .GetString()!;
        }
        Assert.Equal("Completed", stage);
        var done =
            await Scrape.UntilAsync(gateway, t => Series(t, jobId, line).Any(v => v == 100), $"100 % for job {jobId}");
        Assert.Single(Series(done, jobId, line));
    }

    private static IEnumerable<double> Series(string text, string job, string line) =>
        Scrape.Lines(text, "reb_training_progress")
        .Where(l => l.Contains($"job=\"{job}\"") && l.Contains($"line=\"{line}\""))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..],
                System.Globalization.CultureInfo.InvariantCulture));
}
