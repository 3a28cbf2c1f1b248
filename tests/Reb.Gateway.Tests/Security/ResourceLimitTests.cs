using System.Net;
using System.Text;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Imaging;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Exploits on resources: batches that carry hundreds of images as one rate-limited request, k = int.MaxValue, slow
/// uploads that hold the gateway forever, unlimited parallel training starts, unlimited jobs and event streams per site
/// or key, and a 40 MP default that lets a tiny PNG decode to hundreds of MB.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ResourceLimitTests(GatewayFixture gateway)
{
    private static MultipartFormDataContent Garbage(int files)
    {
        var form = new MultipartFormDataContent();
        for (int i = 0; i < files; i++)
            form.Add(new ByteArrayContent(Encoding.ASCII.GetBytes("not an image " + i)), "images", $"g{i}.png");
        return form;
    }

    [Fact]
    public async Task A_batch_over_the_image_cap_is_413_and_each_image_counts_against_the_rate_limit()
    {
        using var op = gateway.Client(await SecurityHelpers.KeyAsync(gateway, GatewayFixture.SiteA, Roles.Operator));
        using var over = await op.PostAsync($"api/lines/{GatewayFixture.Line}/inspect/batch",
            Garbage(GatewayFixture.MaxImagesPerBatch + 1));
        Assert.Contains($"at most {GatewayFixture.MaxImagesPerBatch}", await over.AssertProblem(413));

        // Full batches: each costs MaxImagesPerBatch permits, so the per-minute budget lasts RateLimitPerMinute / 10 of
        // them.
        // the refused batch above took 1
        int allowed = (GatewayFixture.RateLimitPerMinute - 1) / GatewayFixture.MaxImagesPerBatch;
        for (int i = 0; i < allowed; i++)
        {
            using var r = await op.PostAsync($"api/lines/{GatewayFixture.Line}/inspect/batch",
                Garbage(GatewayFixture.MaxImagesPerBatch));
            Assert.True(r.StatusCode == HttpStatusCode.OK,
                $"batch {i}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
        using var limited = await op.PostAsync($"api/lines/{GatewayFixture.Line}/inspect/batch",
            Garbage(GatewayFixture.MaxImagesPerBatch));
        await limited.AssertProblem(429);
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1001)]
    [InlineData(0)]
    public async Task K_outside_1_to_1000_is_a_clear_400(int k)
    {
        const string site = "sec-k";
        await SecurityHelpers.PutImagesAsync(gateway, $"sites/{site}/good");
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        using var r = await engineer.PostAsync("api/lines/sec-k-line/training",
            SecurityHelpers.Json($"{{\"folder\":\"sites/{site}/good\",\"k\":{k}}}"));
        Assert.Contains("k must be in 1..1000", await r.AssertProblem(400));
        Assert.Empty(
            (await gateway.Grains.GetGrain<Reb.Abstractions.Grains.IProductLineGrain>("sec-k-line").GetStatus()).Jobs);
    }

    [Fact]
    public async Task A_stalled_inspect_upload_is_cut_off_with_504()
    {
        var png = await File.ReadAllBytesAsync(gateway.GoodImages[0]);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var upload =
            await SecurityHelpers.StalledUpload.StartAsync(gateway, $"api/lines/{GatewayFixture.Line}/inspect",
            gateway.Key(GatewayFixture.SiteA, Roles.Operator), "image/png", png);
        var status = await upload.StatusAsync(TimeSpan.FromSeconds(GatewayFixture.InspectTimeoutSeconds + 20));
        Assert.True(status == 504, $"status {status?.ToString() ?? "none"} after {watch.Elapsed}");
    }

    [Fact]
    public async Task Training_starts_beyond_the_concurrency_limit_get_503_at_once()
    {
        var key = await SecurityHelpers.KeyAsync(gateway, "sec-gate", Roles.Engineer);
        using var engineer = gateway.Client(key);
        const string boundary = "stall";
        var head = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"images\"; " +
            "filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n");
        // 100 bytes each 50 ms (2 kB/s, far above Kestrel's minimum body rate even on loaded cores): 400 kB last
        // minutes, so each holds its slot for the whole test.
        var body = head.Concat(new byte[400_000]).ToArray();
        var stalled = new List<SecurityHelpers.StalledUpload>();
        try
        {
            Task<SecurityHelpers.StalledUpload> Stall(int i) => SecurityHelpers.StalledUpload.StartAsync(gateway,
                $"api/lines/sec-gate-{i}/training", key, $"multipart/form-data; boundary={boundary}", body,
                everyMs: 50);
            for (int i = 0; i < GatewayFixture.MaxConcurrentTrainingStarts; i++) stalled.Add(await Stall(i));
            // Wait until the stalled requests hold their slots (the server is reading their bodies).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            HttpResponseMessage? refused = null;
            while (DateTime.UtcNow < deadline)
            {
                // A stalled upload that reached the gate while a probe below held a slot was refused itself (on
                // loaded cores its head can arrive after the first probe): it is started again.
                bool restarted = false;
                for (int i = 0; i < stalled.Count; i++)
                    if (stalled[i].Answered)
                    {
                        stalled[i].Dispose();
                        stalled[i] = await Stall(i);
                        restarted = true;
                    }
                if (restarted) { await Task.Delay(1000); continue; } // no probe while it reaches the gate
                var r = await engineer.PostAsync("api/lines/sec-gate-x/training", SecurityHelpers.Json("{}"));
                if (r.StatusCode == HttpStatusCode.ServiceUnavailable) { refused = r; break; }
                Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode); // got in: the stalled ones are not in yet
                await Task.Delay(200);
            }
            if (refused is null)
            {
                // Which stalled uploads were answered (and so gave their slot back) instead of holding it.
                var answers = new List<string>();
                foreach (var s in stalled)
                    answers.Add((await s.StatusAsync(TimeSpan.FromMilliseconds(200)))?.ToString() ?? "none");
                Assert.Fail($"no 503 within 60 s; the stalled uploads' answers: {string.Join(", ", answers)}");
            }
            Assert.NotNull(refused);
            Assert.Contains("retry", await refused!.AssertProblem(503));
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        finally
        {
            foreach (var s in stalled) s.Dispose();
        }
        // Slots come back when the stalled clients go away.
        var again = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        HttpStatusCode last;
        do { last = (await engineer.PostAsync("api/lines/sec-gate-x/training", SecurityHelpers.Json("{}"))).StatusCode;
            await Task.Delay(200); }
        while (last == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < again);
        Assert.Equal(HttpStatusCode.BadRequest, last);
    }

    [Fact]
    public void The_default_pixel_limit_refuses_a_20_megapixel_header_before_decoding()
    {
        var o = new GatewayOptions();
        Assert.True(o.MaxImagePixels <= 16_000_000, $"default MaxImagePixels {o.MaxImagePixels}");
        // Only the 33 header bytes of a 5000x4000 PNG: refused from the header, nothing decoded (it has no pixel data).
        var header = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D',
            (byte)'R' }.CopyTo(header, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(16), 5000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(20), 4000);
        header[24] = 8; header[25] = 2;
        var e =
            Assert.Throws<GatewayProblem>(() => UploadedImages.CheckHeader(new UploadedImage("bomb.png", header), o));
        Assert.Equal(413, e.Status);
    }

    [Fact]
    public async Task A_site_cannot_run_more_jobs_or_open_more_event_streams_than_its_limits()
    {
        const string site = "sec-jobs";
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Engineer));
        using var op = gateway.Client(await SecurityHelpers.KeyAsync(gateway, site, Roles.Operator));
        var lines = Enumerable.Range(0, GatewayFixture.MaxRunningJobsPerSite + 1).Select(i => $"sec-jobs-{i}").ToList();
        // Jobs that run for a while: more and larger images than the fixture's model had.
        var images = Directory.GetFiles(Path.Combine(GatewayFixture.RepositoryRoot(), "samples/deeppcb/train/good"),
            "*.png").Order().Take(16).ToList();
        MultipartFormDataContent Upload()
        {
            var form = new MultipartFormDataContent();
            foreach (var path in images)
                form.Add(Http.Image(File.ReadAllBytes(path)), "images", Path.GetFileName(path));
            form.Add(new StringContent("256"), "imageSize");
            form.Add(new StringContent("false"), "promote");
            return form;
        }
        async Task<string> StartAsync(string line)
        {
            using var r = await engineer.PostAsync($"api/lines/{line}/training", Upload());
            Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
            return (await r.ReadJson()).GetProperty("jobId").GetString()!;
        }
        try
        {
            var first = await StartAsync(lines[0]);
            // Event streams of one key on the running job: MaxEventStreamsPerKey, then the next is refused.
            var open = new List<HttpResponseMessage>();
            try
            {
                for (int i = 0; i < GatewayFixture.MaxEventStreamsPerKey; i++)
                {
                    var s = await op.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/training/{first}/events"),
                        HttpCompletionOption.ResponseHeadersRead);
                    Assert.Equal(HttpStatusCode.OK, s.StatusCode);
                    open.Add(s);
                }
                using var extra = await op.SendAsync(new HttpRequestMessage(HttpMethod.Get,
                    $"api/training/{first}/events"), HttpCompletionOption.ResponseHeadersRead);
                if (extra.StatusCode == HttpStatusCode.OK)
                {
                    var p = await gateway.Grains.GetGrain<Reb.Abstractions.Grains.ITrainingGrain>(first).GetProgress();
                    Assert.Fail($"one stream too many was opened; job {first}: {p.Stage} {p.Error}");
                }
                await extra.AssertProblem(429);
            }
            finally
            {
                foreach (var s in open) s.Dispose();
            }

            for (int i = 1; i < GatewayFixture.MaxRunningJobsPerSite; i++) await StartAsync(lines[i]);
            using var over = await engineer.PostAsync($"api/lines/{lines[^1]}/training", Upload());
            Assert.Contains("training jobs", await over.AssertProblem(429));
        }
        finally
        {
            foreach (var line in lines) await SecurityHelpers.CancelJobsAsync(gateway, line);
        }
    }
}
