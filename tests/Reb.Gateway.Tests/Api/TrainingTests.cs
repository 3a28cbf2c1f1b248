using System.Net;
using System.Text.Json;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Api;

/// <summary>Training through HTTP: uploads, live progress over SSE until Completed, cancel.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TrainingTests(GatewayFixture gateway)
{
    private const int TrainSize = 64; // the job's result is not the point here: small images keep it quick

    private async Task<string> StartAsync(HttpClient engineer, string line, int images)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(TrainSize.ToString()), "imageSize" },
            { new StringContent("1"), "fitShards" },
        };
        foreach (var path in gateway.TrainingImages.Take(images))
            form.Add(Http.Image(await File.ReadAllBytesAsync(path)), "images", Path.GetFileName(path));
        using var response = await engineer.PostAsync($"api/lines/{line}/training", form);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var started = await response.ReadJson();
        Assert.Equal(images, started.GetProperty("images").GetInt32());
        Assert.Equal($"/api/training/{started.GetProperty("jobId").GetString()}",
            response.Headers.Location?.OriginalString);
        return started.GetProperty("jobId").GetString()!;
    }

    [Fact]
    public async Task Uploaded_images_train_a_new_line_and_the_event_stream_runs_until_Completed()
    {
        // short on purpose: upload folders are named after the line (once broke for short names)
        const string line = "l7";
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        var jobId = await StartAsync(engineer, line, 3);

        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        using var response =
            await op.GetAsync($"api/training/{jobId}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<JsonElement>();
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            string? eventName = null;
            while (await reader.ReadLineAsync() is { } text) // the server ends the stream after the last event
            {
                if (text.StartsWith("event: ")) eventName = text["event: ".Length..];
                else if (text.StartsWith("data: "))
                {
                    Assert.Equal("progress", eventName);
                    events.Add(JsonDocument.Parse(text["data: ".Length..]).RootElement.Clone());
                }
            }
        }
        Assert.True(events.Count >= 2, $"only {events.Count} events");
        var last = events[^1];
        Assert.Equal("Completed", last.GetProperty("stage").GetString());
        Assert.Equal(jobId, last.GetProperty("jobId").GetString());
        var version = last.GetProperty("version").GetString();
        Assert.False(string.IsNullOrEmpty(version));
        Assert.All(events[..^1], e => Assert.NotEqual("Completed", e.GetProperty("stage").GetString()));

        var detail = await (await op.GetAsync($"api/lines/{line}")).ReadJson();
        Assert.Equal(version, detail.GetProperty("currentVersion").GetString());
        Assert.Equal(GatewayFixture.SiteA, detail.GetProperty("site").GetString());
        Assert.Contains(jobId, detail.GetProperty("jobs").EnumerateArray().Select(j => j.GetString()));
        var audit = (await (await op.GetAsync($"api/lines/{line}/audit")).ReadJson()).EnumerateArray().ToList();
        Assert.Contains(audit, a => a.GetProperty("action").GetString() == "training" && a.GetProperty("newValue")
            .GetString()!.StartsWith(jobId));
        // The new line inspects, and the other site cannot see its job.
        var inspection = await (await op.PostAsync($"api/lines/{line}/inspect",
            Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0])))).ReadJson();
        Assert.Equal(version, inspection.GetProperty("version").GetString());
        using var other = gateway.Client(gateway.Key(GatewayFixture.SiteB, Roles.Admin));
        await (await other.GetAsync($"api/training/{jobId}")).AssertProblem(404);
    }

    [Fact]
    public async Task Cancelled_job_stops_before_its_next_step_and_publishes_nothing()
    {
        const string line = "cancelled-over-http";
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        var jobId = await StartAsync(engineer, line, 4);
        using var cancel = await engineer.DeleteAsync($"api/training/{jobId}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);

        JsonElement progress;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((progress = await (await engineer.GetAsync($"api/training/{jobId}")).ReadJson()).GetProperty("stage")
            .GetString() is not ("Cancelled" or "Completed" or "Failed"))
        {
            Assert.True(DateTime.UtcNow < deadline, "job did not stop");
            await Task.Delay(100);
        }
        Assert.Equal("Cancelled", progress.GetProperty("stage").GetString());
        var detail = await (await engineer.GetAsync($"api/lines/{line}")).ReadJson();
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("currentVersion").ValueKind);
        Assert.Empty(detail.GetProperty("versions").EnumerateArray());
        // A line without a current version cannot inspect: 409, saying why.
        var why = await (await engineer.PostAsync($"api/lines/{line}/inspect",
            Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0])))).AssertProblem(409);
        Assert.Contains("no current model version", why);
        // Cancelling again is harmless; the stream of a finished job ends after one event.
        Assert.Equal("Cancelled",
            (await (await engineer.DeleteAsync($"api/training/{jobId}")).ReadJson()).GetProperty("stage").GetString());
        var stream = await engineer.GetStringAsync($"api/training/{jobId}/events");
        Assert.Single(stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"stage\":\"Cancelled\"", stream);
    }

    [Fact]
    public async Task Training_requests_without_images_are_400()
    {
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        using var empty = new MultipartFormDataContent { { new StringContent("64"), "imageSize" } };
        await (await engineer.PostAsync("api/lines/never-trained/training", empty)).AssertProblem(400);
        using var notImage = new MultipartFormDataContent { { Http.Image([9, 9, 9, 9]), "images", "x.png" } };
        await (await engineer.PostAsync("api/lines/never-trained/training", notImage)).AssertProblem(400);
        // Nothing was created.
        await (await engineer.GetAsync("api/lines/never-trained")).AssertProblem(404);
    }
}
