using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;
using static Reb.Gateway.Tests.TestSupport.Inspections; // InspectAsync: one inspection, 503/504 retried

namespace Reb.Gateway.Tests.Api;

/// <summary>
/// The inspection history and review loop through the HTTP API: every inspection is a row in the history (query, CSV,
/// stored image), reviews, bad
/// input with clear errors, and the review loop: an overturned reject goes into the bank as a new version that is
/// compared on the reviewed images, not promoted until an engineer does, and accepts the image once promoted.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class HistoryApiTests(GatewayFixture gateway)
{
    private HttpClient Operator => gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
    private HttpClient Engineer => gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));

    private async Task<string> NewLineAsync(string prefix)
    {
        var line = prefix + "-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.AddLineAsync(GatewayFixture.SiteA, line);
        return line;
    }

    /// <summary>
    /// A reject on <paramref name="line"/>: the fixture's small model accepts the sample images, so the line's
    /// threshold
    /// override is set below the first defect image's score (verdicts follow the override, for every version).
    /// </summary>
    private async Task<(JsonElement Answer, byte[] Image)> FirstRejectAsync(HttpClient c, string line)
    {
        var bytes = await File.ReadAllBytesAsync(gateway.DefectImages[0]);
        var probe = await InspectAsync(c, line, "probe.png", bytes);
        var score = probe.GetProperty("score").GetDouble();
        Assert.True(score > 0, $"the defect image scores {score}");
        using (var e = Engineer)
            Assert.True((await e.PutAsJsonAsync($"api/lines/{line}/threshold", new { threshold = score / 2 }))
                .IsSuccessStatusCode);
        var a = await InspectAsync(c, line, Path.GetFileName(gateway.DefectImages[0]), bytes);
        Assert.Equal("reject", a.GetProperty("verdict").GetString());
        return (a, bytes);
    }

    /// <summary>
    /// The overview's one request: <c>GET /api/lines?recent=N</c> carries each line's N newest inspections, the same
    /// rows the line's inspections query gives; without <c>recent</c> they are absent, and a count over the cap is 400.
    /// </summary>
    [Fact]
    public async Task The_line_listing_carries_each_lines_newest_inspections_when_asked()
    {
        using var c = Operator;
        var line = await NewLineAsync("listing");
        var bytes = await File.ReadAllBytesAsync(gateway.GoodImages[0]);
        for (int i = 0; i < 3; i++) await InspectAsync(c, line, $"part-{i}.png", bytes);

        var listed = (await (await c.GetAsync("api/lines?recent=2")).ReadJson()).EnumerateArray()
            .Single(l => l.GetProperty("line").GetString() == line);
        var recent = listed.GetProperty("recent").EnumerateArray().Select(x => x.GetProperty("id").GetString())
            .ToList();
        var queried = (await (await c.GetAsync($"api/lines/{line}/inspections?take=2")).ReadJson()).EnumerateArray()
            .Select(x => x.GetProperty("id").GetString()).ToList();
        Assert.Equal(2, recent.Count);
        Assert.Equal(queried, recent);

        var plain = (await (await c.GetAsync("api/lines")).ReadJson()).EnumerateArray()
            .Single(l => l.GetProperty("line").GetString() == line);
        Assert.True(!plain.TryGetProperty("recent", out var none) || none.ValueKind == JsonValueKind.Null);
        Assert.Contains("between 0 and 20", await (await c.GetAsync("api/lines?recent=21")).AssertProblem(400));
    }

    [Fact]
    public async Task An_inspection_is_a_history_row_with_its_image_and_the_query_csv_and_filters_find_it()
    {
        var line = await NewLineAsync("hist");
        using var c = Operator;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (answer, image) = await FirstRejectAsync(c, line);
        var id = answer.GetProperty("id").GetString()!;

        var rows = await (await c.GetAsync($"api/lines/{line}/inspections?verdict=reject&from=" +
            $"{Uri.EscapeDataString(before.ToString("O"))}")).ReadJson();
        var row = rows.EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        Assert.Equal(answer.GetProperty("score").GetDouble(), row.GetProperty("score").GetDouble(), 4);
        Assert.Equal(answer.GetProperty("version").GetString(), row.GetProperty("version").GetString());
        Assert.Equal(GatewayFixture.SiteA, row.GetProperty("site").GetString());
        Assert.Equal("none", row.GetProperty("review").GetString());
        Assert.Equal(image, await c.GetByteArrayAsync(row.GetProperty("imageUrl").GetString()!.TrimStart('/')));

        var good = await (await c.GetAsync($"api/lines/{line}/inspections?verdict=good")).ReadJson();
        Assert.DoesNotContain(good.EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        var earlier = await (await c.GetAsync(
            $"api/lines/{line}/inspections?to={Uri.EscapeDataString(before.ToString("O"))}")).ReadJson();
        Assert.Equal(0, earlier.GetArrayLength());

        var csv = await c.GetAsync($"api/lines/{line}/inspections.csv?verdict=reject");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.StartsWith("id,site,line,time_utc,version,score,verdict", text);
        Assert.Contains($"{id},{GatewayFixture.SiteA},{line},", text);
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_error()
    {
        var line = await NewLineAsync("hist-bad");
        using var c = Operator;
        var unknown = await c.PostAsJsonAsync($"api/lines/{line}/inspections/0123456789abcdef/review",
            new { decision = "confirm" });
        Assert.Contains("'0123456789abcdef'", await unknown.AssertProblem(404));
        Assert.Contains("not in the inspection history",
            await (await c.PostAsJsonAsync($"api/lines/{line}/inspections/nope/review",
            new { decision = "overturn" })).AssertProblem(404));
        Assert.Contains("confirm", await (await c.PostAsJsonAsync($"api/lines/{line}/inspections/x/review",
            new { decision = "maybe" })).AssertProblem(400));
        Assert.Contains("ISO 8601",
            await (await c.GetAsync($"api/lines/{line}/inspections?from=yesterday")).AssertProblem(400));
        Assert.Contains("reject, good",
            await (await c.GetAsync($"api/lines/{line}/inspections?verdict=bad")).AssertProblem(400));

        // An empty range is refused with the reason; a valid range without rows is a CSV with only its header.
        var empty =
            await c.GetAsync($"api/lines/{line}/inspections.csv?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z");
        Assert.Contains("empty time range", await empty.AssertProblem(400));
        var none =
            await c.GetAsync($"api/lines/{line}/inspections.csv?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal("0", none.Headers.GetValues("X-Reb-Rows").Single());
        Assert.Single((await none.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));

        // Adding images to a line without a model: a 409 that says what to do.
        var bare = "hist-nomodel-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.Grains.GetGrain<ILineOperationsGrain>(bare).Claim(GatewayFixture.SiteA);
        using var e = Engineer;
        var noModel =
            await e.PostAsJsonAsync($"api/lines/{bare}/bank", new { inspections = new[] { "0123456789abcdef" } });
        Assert.Contains("has no model version", await noModel.AssertProblem(409));
        Assert.Contains("inspections", await (await e.PostAsJsonAsync($"api/lines/{line}/bank",
            new { inspections = Array.Empty<string>() })).AssertProblem(400));
        Assert.Contains("?version=", await (await c.GetAsync($"api/lines/{line}/compare")).AssertProblem(400));
        Assert.Contains("not registered",
            await (await c.GetAsync($"api/lines/{line}/compare?version=sha256-0000")).AssertProblem(404));
        Assert.Contains("days",
            await (await e.PutAsJsonAsync($"api/lines/{line}/retention", new { days = -1 })).AssertProblem(400));
    }

    [Fact]
    public async Task
    An_overturned_reject_goes_into_a_new_version_that_is_compared_then_promoted_by_an_engineer_and_accepts_the_image()
    {
        var line = await NewLineAsync("hist-loop");
        using var op = Operator;
        using var eng = Engineer;
        var (answer, image) = await FirstRejectAsync(op, line);
        var id = answer.GetProperty("id").GetString()!;
        var oldVersion = answer.GetProperty("version").GetString()!;

        // A reject that was not overturned cannot go into the bank.
        Assert.Contains("not a reviewed good part", await (await eng.PostAsJsonAsync($"api/lines/{line}/bank",
            new { inspections = new[] { id } })).AssertProblem(400));
        var reviewed = await (await op.PostAsJsonAsync($"api/lines/{line}/inspections/{id}/review",
            new { decision = "overturn", note = "good part, dust" })).ReadJson();
        Assert.Equal("overturned", reviewed.GetProperty("review").GetString());
        Assert.Contains(GatewayFixture.SiteA + "-operator", reviewed.GetProperty("reviewer").GetString());
        Assert.Equal("good part, dust", reviewed.GetProperty("note").GetString());
        Assert.Equal(1,
            (await (await op.GetAsync($"api/lines/{line}/inspections?review=overturned")).ReadJson()).GetArrayLength());

        // Operators review; only engineers add to the bank.
        Assert.Equal(HttpStatusCode.Forbidden,
            (await op.PostAsJsonAsync($"api/lines/{line}/bank", new { inspections = new[] { id } })).StatusCode);
        var added = await eng.PostAsJsonAsync($"api/lines/{line}/bank", new { inspections = new[] { id } });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        var bank = await added.ReadJson();
        var newVersion = bank.GetProperty("version").GetString()!;
        Assert.NotEqual(oldVersion, newVersion);
        Assert.False(bank.GetProperty("promoted").GetBoolean());
        Assert.Equal(1, bank.GetProperty("added").GetInt32());
        Assert.True(bank.GetProperty("bankRowsAfter").GetInt64() > bank.GetProperty("bankRowsBefore").GetInt64());
        var detail = await (await op.GetAsync($"api/lines/{line}")).ReadJson();
        Assert.Equal(oldVersion, detail.GetProperty("currentVersion").GetString()); // not promoted by itself

        var compare = await (await op.GetAsync($"api/lines/{line}/compare?version={newVersion}")).ReadJson();
        Assert.Equal(1.0, compare.GetProperty("current").GetProperty("falseRejectRate").GetDouble());
        Assert.Equal(0.0, compare.GetProperty("candidate").GetProperty("falseRejectRate").GetDouble());
        Assert.Equal(1, compare.GetProperty("candidate").GetProperty("goodParts").GetInt32());

        var summary = await (await op.GetAsync($"api/lines/{line}/review-summary")).ReadJson();
        Assert.Equal(1.0, summary.GetProperty("measuredFalseRejectRate").GetDouble());
        Assert.True(summary.GetProperty("suggestedThreshold").GetDouble() > answer.GetProperty("score").GetDouble());

        // More reviewed parts (the comparison scores several at once): the same picture inspected again and its reject
        // confirmed, i.e. labelled a defect, twice. The comparison keeps the history's newest-first order and counts.
        for (int n = 0; n < 2; n++)
        {
            var more = await InspectAsync(op, line, $"more{n}.png", image);
            Assert.Equal("reject", more.GetProperty("verdict").GetString());
            var confirmed = await op.PostAsJsonAsync($"api/lines/{line}/inspections/" +
                $"{more.GetProperty("id").GetString()}/review", new { decision = "confirm" });
            Assert.True(confirmed.IsSuccessStatusCode, await confirmed.Content.ReadAsStringAsync());
        }
        var reviewedIds = (await (await op.GetAsync($"api/lines/{line}/inspections?review=reviewed")).ReadJson())
            .EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList();
        Assert.Equal(3, reviewedIds.Count);
        var compared = await (await op.GetAsync($"api/lines/{line}/compare?version={newVersion}")).ReadJson();
        Assert.Equal(reviewedIds,
            compared.GetProperty("images").EnumerateArray().Select(e => e.GetProperty("id").GetString()).ToList());
        Assert.Equal(2, compared.GetProperty("current").GetProperty("defects").GetInt32());
        // the old version rejects the picture
        Assert.Equal(0.0, compared.GetProperty("current").GetProperty("escapeRate").GetDouble());
        // the new one accepts it
        Assert.Equal(1.0, compared.GetProperty("candidate").GetProperty("escapeRate").GetDouble());
        Assert.True(compared.GetProperty("candidate").GetProperty("threshold").GetDouble() > 0);

        var promoted = await eng.PostAsJsonAsync($"api/lines/{line}/promote", new { version = newVersion });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        var again = await InspectAsync(op, line, "again.png", image);
        Assert.Equal("good", again.GetProperty("verdict").GetString());
        Assert.Equal(newVersion, again.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Retention_is_per_line_and_only_engineers_change_it()
    {
        var line = await NewLineAsync("hist-ret");
        using var op = Operator;
        using var eng = Engineer;
        var initial = await (await op.GetAsync($"api/lines/{line}/retention")).ReadJson();
        Assert.True(initial.GetProperty("isDefault").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden,
            (await op.PutAsJsonAsync($"api/lines/{line}/retention", new { days = 7 })).StatusCode);
        var set = await (await eng.PutAsJsonAsync($"api/lines/{line}/retention", new { days = 7, maxStoredImages = 3 }))
            .ReadJson();
        Assert.Equal(7, set.GetProperty("days").GetInt32());
        var read = await (await op.GetAsync($"api/lines/{line}/retention")).ReadJson();
        Assert.Equal(3, read.GetProperty("maxStoredImages").GetInt32());
        Assert.False(read.GetProperty("isDefault").GetBoolean());
    }

    [Fact]
    public async Task Training_does_not_promote_by_itself_once_the_line_has_reviewed_inspections()
    {
        var line = await NewLineAsync("hist-train");
        using var op = Operator;
        using var eng = Engineer;
        var inspected = await InspectAsync(op, line, "seen.png", await File.ReadAllBytesAsync(gateway.GoodImages[0]));
        var current = inspected.GetProperty("version").GetString();
        (await op.PostAsJsonAsync($"api/lines/{line}/inspections/{inspected.GetProperty("id").GetString()}/review",
            new { decision = "confirm" })).EnsureSuccessStatusCode();

        using var form = new MultipartFormDataContent
        {
            { new StringContent("64"), "imageSize" },
            { new StringContent("1"), "fitShards" }
        };
        foreach (var path in gateway.TrainingImages.Take(3))
            form.Add(Http.Image(await File.ReadAllBytesAsync(path)), "images", Path.GetFileName(path));
        var started = await eng.PostAsync($"api/lines/{line}/training", form);
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
        var job = (await started.ReadJson()).GetProperty("jobId").GetString();
        JsonElement progress = default;
        for (var until = DateTime.UtcNow.AddMinutes(5); DateTime.UtcNow < until; await Task.Delay(1000))
        {
            progress = await (await op.GetAsync($"api/training/{job}")).ReadJson();
            if (progress.GetProperty("stage").GetString() is "Completed" or "Failed" or "Cancelled") break;
        }
        Assert.Equal("Completed", progress.GetProperty("stage").GetString());
        var trained = progress.GetProperty("version").GetString();
        var detail = await (await op.GetAsync($"api/lines/{line}")).ReadJson();
        Assert.Equal(current, detail.GetProperty("currentVersion").GetString()); // registered, waiting for a person
        Assert.Contains(detail.GetProperty("versions").EnumerateArray(),
            v => v.GetProperty("version").GetString() == trained);
    }
}
