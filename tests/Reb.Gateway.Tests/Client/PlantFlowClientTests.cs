using System.Net;
using Reb.Client;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Client;

/// <summary>The README's plant flow driven end to end with the typed client (Reb.Client) against the real gateway:
/// train a line with live progress, inspect good and defective boards, read the history, review a verdict, see the
/// review in the history and the summary; refusals as typed exceptions; retries only for safe calls and keyed
/// inspections.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PlantFlowClientTests(GatewayFixture gateway)
{
    private RebClient Client(string role)
        => RebClient.Create(new Uri(gateway.BaseUrl), gateway.Key(GatewayFixture.SiteA, role));

    [Fact]
    public async Task The_plant_flow_runs_end_to_end_through_the_typed_client()
    {
        var line = "plant-flow-" + Guid.NewGuid().ToString("N")[..6];
        using var engineer = Client(Roles.Engineer);
        using var op = Client(Roles.Operator);

        var started = await engineer.StartTrainingAsync(line, gateway.TrainingImages.Select(ImageFile.FromPath),
            new TrainingSettings(ImageSize: 64, FitShards: 1));
        Assert.Equal(gateway.TrainingImages.Count, started.Images);
        var seen = new List<TrainingProgress>();
        var done = await engineer.WaitForTrainingAsync(started.JobId, new SyncProgress(seen.Add));
        Assert.Equal("Completed", done.Stage);
        Assert.NotEmpty(seen);
        Assert.StartsWith("sha256-", done.Version);

        var detail = await op.GetLineAsync(line);
        Assert.Equal(done.Version, detail.CurrentVersion);
        Assert.Contains(await op.ListVersionsAsync(line), v => v.Version == done.Version && v.IsCurrent);
        Assert.Contains(await op.ListLinesAsync(), l => l.Line == line);
        Assert.Equal((GatewayFixture.SiteA, "operator"), ((await op.MeAsync()).Site, (await op.MeAsync()).Role));

        var good = await op.InspectAsync(line, ImageFile.FromPath(gateway.GoodImages[0]));
        var defect = await op.InspectAsync(line, ImageFile.FromPath(gateway.DefectImages[0]));
        Assert.Equal((done.Version, Path.GetFileName(gateway.GoodImages[0])), (good.Version, good.Name));
        Assert.Equal(good.Score >= good.Threshold, good.IsReject);
        var batch = await op.InspectBatchAsync(line,
            [ImageFile.FromPath(gateway.DefectImages[1]), new ImageFile("broken.png", [1, 2, 3])]);
        Assert.NotNull(batch.Results[0].Result);
        Assert.NotNull(batch.Results[1].Error);

        var history = await op.GetHistoryAsync(line, new HistoryQuery(Take: 10));
        Assert.Equal([batch.Results[0].Result!.Id, defect.Id, good.Id], history.Select(h => h.Id));

        var reviewed = await op.ReviewAsync(line, defect.Id, ReviewDecision.Overturn, "good part, dust on the lens");
        Assert.Equal("overturned", reviewed.Review);
        var overturned = await op.GetHistoryAsync(line, new HistoryQuery(Review: "overturned"));
        Assert.Equal([defect.Id], overturned.Select(h => h.Id));
        Assert.Equal("good part, dust on the lens", overturned[0].Note);
        Assert.Equal(1, (await op.GetReviewSummaryAsync(line)).Reviewed);
    }

    [Fact]
    public async Task Refusals_are_typed_exceptions_with_the_problem_details()
    {
        using var op = Client(Roles.Operator);
        var unknown = await Assert.ThrowsAsync<RebApiException>(() => op.InspectAsync("no-such-line",
            ImageFile.FromPath(gateway.GoodImages[0])));
        Assert.Equal(404, unknown.Status);
        Assert.False(string.IsNullOrEmpty(unknown.Title));
        var forbidden = await Assert.ThrowsAsync<RebApiException>(() => op.PromoteAsync(GatewayFixture.ScratchLine,
            gateway.Version));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var bad = await Assert.ThrowsAsync<RebApiException>(() => op.InspectAsync(GatewayFixture.Line,
            new ImageFile("broken.png", [1, 2, 3])));
        Assert.Equal(400, bad.Status);
        Assert.Contains("broken.png", bad.Detail);
    }

    [Fact]
    public async Task Safe_calls_and_keyed_inspections_are_retried_and_a_training_start_is_never_sent_twice()
    {
        // The gateway's first answers are 503 (as while a silo restarts): a GET goes through on a retry; a training
        // start is sent once and its refusal reaches the caller.
        var flaky = new FirstAnswersUnavailable(2) { InnerHandler = new SocketsHttpHandler() };
        using var engineer =
            RebClient.Create(new Uri(gateway.BaseUrl), gateway.Key(GatewayFixture.SiteA, Roles.Engineer),
            new RebClientOptions { RetryDelay = TimeSpan.FromMilliseconds(50) }, flaky);
        var line = await engineer.GetLineAsync(GatewayFixture.Line);
        Assert.Equal(GatewayFixture.Line, line.Line);
        Assert.Equal(3, flaky.Requests);

        flaky.Reset(1);
        var refused = await Assert.ThrowsAsync<RebApiException>(() =>
            engineer.StartTrainingAsync("never-started", gateway.TrainingImages.Select(ImageFile.FromPath)));
        Assert.Equal(503, refused.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        Assert.Equal(1, flaky.Requests);
    }

    [Fact]
    public async Task An_inspection_whose_answer_was_lost_is_sent_again_and_recorded_once()
    {
        // The gateway inspects and records the part, then the connection is cut before the answer arrives (as when the
        // gateway's silo dies): the client sends the same inspection again with its key and gets the recorded one.
        var cut = new FirstAnswerLost { InnerHandler = new SocketsHttpHandler() };
        using var op = RebClient.Create(new Uri(gateway.BaseUrl), gateway.Key(GatewayFixture.SiteA, Roles.Operator),
            new RebClientOptions { RetryDelay = TimeSpan.FromMilliseconds(50) }, cut);
        var name = $"resent-{Guid.NewGuid():N}.png";
        var inspection =
            await op.InspectAsync(GatewayFixture.Line, new ImageFile(name, File.ReadAllBytes(gateway.GoodImages[0])));

        Assert.Equal(2, cut.Requests);
        Assert.Equal(cut.FirstId, inspection.Id);          // the answer the first send never delivered
        Assert.Equal("true", cut.ReplayedHeader);           // the second send was answered from the history
        var recorded = (await op.GetHistoryAsync(GatewayFixture.Line, new HistoryQuery(Take: 500)))
            .Where(h => h.Name == name).ToList();
        Assert.Single(recorded);
        Assert.Equal(inspection.Id, recorded[0].Id);
        Assert.Equal(inspection.Score, recorded[0].Score);
    }

    /// <summary>Passes every request on; throws away the first answer and fails that attempt as a cut connection
    /// would.</summary>
    private sealed class FirstAnswerLost : DelegatingHandler
    {
        public int Requests { get; private set; }
        public string? FirstId { get; private set; }
        public string? ReplayedHeader { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests++;
            var response = await base.SendAsync(request, ct);
            if (Requests == 1)
            {
                using var lost = response;
                FirstId = System.Text.Json.JsonDocument.Parse(await lost.Content.ReadAsStringAsync(ct))
                    .RootElement.GetProperty("id").GetString();
                throw new HttpRequestException(HttpRequestError.ConnectionError,
                    "connection cut before the answer (test)");
            }
            ReplayedHeader = response.Headers.TryGetValues("Idempotent-Replayed", out var v) ? v.Single() : null;
            return response;
        }
    }

    /// <summary>Answers 503 (Retry-After 1 s, problem details) to the first N requests, then passes them on.</summary>
    private sealed class FirstAnswersUnavailable(int failures) : DelegatingHandler
    {
        private int _left = failures;
        public int Requests { get; private set; }

        public void Reset(int left)
        {
            _left = left;
            Requests = 0;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests++;
            if (_left-- <= 0) return await base.SendAsync(request, ct);
            var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
            {
                RequestMessage = request,
                Content = new StringContent("""{"title":"Cluster unavailable","status":503,"detail":"try again"}""",
                    System.Text.Encoding.UTF8, "application/problem+json"),
            };
            response.Headers.RetryAfter =
                new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return response;
        }
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of
    /// order).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
