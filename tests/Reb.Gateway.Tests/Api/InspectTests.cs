using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Reb.Abstractions.Client;
using Reb.Gateway.Access;
using Reb.Gateway.Imaging;
using Reb.Gateway.Tests.TestSupport;
using SkiaSharp;

namespace Reb.Gateway.Tests.Api;

/// <summary>Inspection through HTTP gives the cluster's score, the verdict against the line's threshold, and
/// overlays.</summary>
[Collection(GatewayCollection.Name)]
public sealed class InspectTests(GatewayFixture gateway)
{
    private HttpClient Operator() => gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));

    [Fact]
    public async Task
        Inspect_returns_the_cluster_clients_exact_score_the_verdict_against_the_threshold_and_decodable_overlays()
    {
        using var client = Operator();
        var calibration = await (await client.GetAsync($"api/lines/{GatewayFixture.Line}/calibration")).ReadJson();
        var modelThreshold = calibration.GetProperty("modelThreshold").GetDouble();
        Assert.Equal(modelThreshold, calibration.GetProperty("threshold").GetDouble());
        Assert.True(calibration.GetProperty("goodScores").GetArrayLength() > 0);
        var reference = new RebClusterClient(gateway.Grains);
        var verdicts = new List<string>();
        foreach (var path in gateway.GoodImages.Take(2).Concat(gateway.DefectImages.Take(2)))
        {
            var bytes = await File.ReadAllBytesAsync(path);
            var name = Path.GetFileName(path);
            using var response =
                await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect?name={name}", Http.Image(bytes));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var inspection = await response.ReadJson();
            var expected = await reference.ScoreAsync(GatewayFixture.Line, bytes, name);
            Assert.Equal(expected.Score, inspection.GetProperty("score").GetSingle());
            Assert.Equal(gateway.Version, inspection.GetProperty("version").GetString());
            Assert.Equal(name, inspection.GetProperty("name").GetString());
            Assert.Equal(modelThreshold, inspection.GetProperty("threshold").GetDouble());
            var verdict = inspection.GetProperty("verdict").GetString();
            Assert.Equal(expected.Score >= modelThreshold ? "reject" : "good", verdict);
            Assert.Equal(expected.Reject, verdict == "reject"); // no override: the model's own verdict
            Assert.True(inspection.GetProperty("latencyMs").GetDouble() > 0);
            verdicts.Add(verdict!);

            using var overlay = SKBitmap.Decode(
                await client.GetByteArrayAsync(inspection.GetProperty("overlayUrl").GetString()!.TrimStart('/')));
            Assert.NotNull(overlay);
            Assert.Equal(GatewayFixture.ImageSize, overlay.Width); // drawn at the model's input size
            using var thumb = SKBitmap.Decode(
                await client.GetByteArrayAsync(inspection.GetProperty("thumbnailUrl").GetString()!.TrimStart('/')));
            Assert.NotNull(thumb);
            Assert.Equal(OverlayImages.ThumbnailWidth, thumb.Width);
        }
        var latest = (await (await client.GetAsync($"api/lines/{GatewayFixture.Line}/inspections?take=4")).ReadJson())
            .EnumerateArray().ToList();
        Assert.Equal(4, latest.Count);
        // newest first
        Assert.Equal(Path.GetFileName(gateway.DefectImages[1]), latest[0].GetProperty("name").GetString());
        var line = await (await client.GetAsync($"api/lines/{GatewayFixture.Line}")).ReadJson();
        Assert.True(line.GetProperty("inspections").GetInt64() >= 4);
        Assert.True(line.GetProperty("throughputPerMin").GetDouble() >= 4);
    }

    [Fact]
    public async Task Multipart_image_field_and_batch_work_and_a_bad_file_in_a_batch_gets_its_reason()
    {
        using var client = Operator();
        var good = await File.ReadAllBytesAsync(gateway.GoodImages[0]);
        using var single = new MultipartFormDataContent { { Http.Image(good), "image", "board.png" } };
        var one = await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect", single)).ReadJson();
        Assert.Equal("board.png", one.GetProperty("name").GetString());

        using var batch = new MultipartFormDataContent
        {
            { Http.Image(good), "files", "a.png" },
            { Http.Image(await File.ReadAllBytesAsync(gateway.DefectImages[0])), "files", "b.png" },
            { Http.Image([1, 2, 3, 4, 5]), "files", "broken.png" },
        };
        var results =
            (await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect/batch", batch)).ReadJson())
            .GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        Assert.Equal(one.GetProperty("score").GetSingle(),
            results[0].GetProperty("result").GetProperty("score").GetSingle());
        Assert.Equal(JsonValueKind.Null, results[0].GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Null, results[2].GetProperty("result").ValueKind);
        Assert.Contains("broken.png", results[2].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Corrupt_and_truncated_images_are_400_with_the_reason()
    {
        using var client = Operator();
        var corrupt = new byte[2048];
        new Random(7).NextBytes(corrupt);
        var detail = await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect?name=noise.png",
            Http.Image(corrupt))).AssertProblem(400);
        Assert.Contains("noise.png", detail);
        Assert.Contains("not a supported image", detail);

        var png = await File.ReadAllBytesAsync(gateway.GoodImages[0]);
        var truncated = png[..(png.Length / 2)];
        detail = await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect?name=half.png",
            Http.Image(truncated))).AssertProblem(400);
        Assert.Contains("truncated", detail);

        detail = await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect", Http.Image([])))
            .AssertProblem(400);
        Assert.Contains("empty", detail);
        await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect", new StringContent("hello")))
            .AssertProblem(415);
    }

    [Fact]
    public async Task Png_header_claiming_100000_by_100000_is_413_from_the_header_probe()
    {
        using var client = Operator();
        var header = PngHeader(100_000, 100_000);
        var detail = await (await client.PostAsync($"api/lines/{GatewayFixture.Line}/inspect?name=huge.png",
            Http.Image(header))).AssertProblem(413);
        // The probe's message (a decoder would have said "exceeds" with a 400): refused before any decoding.
        Assert.Contains("100000x100000", detail);
        Assert.Contains($"over the limit of {GatewayFixture.MaxImagePixels}", detail);
    }

    [Fact]
    public async Task Body_over_the_limit_is_413_with_or_without_content_length()
    {
        using var client = Operator();
        var big = new byte[GatewayFixture.MaxBodyBytes + 4096];
        PngHeader(64, 64).CopyTo(big, 0);
        // Expect: 100-continue, as a well-behaved uploader sends a large body: the server refuses it from its
        // Content-Length before the body is sent, so the client is not left writing into a closed connection.
        using var declared = new HttpRequestMessage(HttpMethod.Post,
            $"api/lines/{GatewayFixture.Line}/inspect") { Content = Http.Image(big) };
        declared.Headers.ExpectContinue = true;
        await (await client.SendAsync(declared)).AssertProblem(413);

        // Chunked upload: no Content-Length to refuse early, Kestrel's body limit stops the read.
        var chunked = new StreamContent(new NonSeekable(big));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var request =
            new HttpRequestMessage(HttpMethod.Post, $"api/lines/{GatewayFixture.Line}/inspect") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;
        await (await client.SendAsync(request)).AssertProblem(413);
    }

    [Fact]
    public async Task Unknown_line_is_404_and_unknown_overlay_is_404()
    {
        using var client = Operator();
        await (await client.PostAsync("api/lines/no-such-line/inspect",
            Http.Image(await File.ReadAllBytesAsync(gateway.GoodImages[0])))).AssertProblem(404);
        await (await client.GetAsync($"api/lines/{GatewayFixture.Line}/inspections/0123456789abcdef/overlay.png"))
            .AssertProblem(404);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("api/lines/..%2F..%2Fetc")).StatusCode);
    }

    [Fact]
    public async Task An_idempotency_key_sent_again_answers_the_recorded_inspection_and_a_bad_key_is_400()
    {
        using var client = Operator();
        var bytes = await File.ReadAllBytesAsync(gateway.DefectImages[0]);
        var key = Guid.NewGuid().ToString("N");
        var name = $"keyed-{key[..8]}.png";
        async Task<(System.Text.Json.JsonElement Body, string? Replayed)> Send(string k, byte[] image)
        {
            using var request =
                new HttpRequestMessage(HttpMethod.Post, $"api/lines/{GatewayFixture.Line}/inspect?name={name}")
            {
                Content = Http.Image(image),
            };
            request.Headers.Add("Idempotency-Key", k);
            using var response = await client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return (await response.ReadJson(),
                response.Headers.TryGetValues("Idempotent-Replayed", out var v) ? v.Single() : null);
        }

        var first = await Send(key, bytes);
        // The resend answers the first inspection, even with other bytes: the key names the inspection.
        var again = await Send(key, await File.ReadAllBytesAsync(gateway.GoodImages[0]));
        var other = await Send(Guid.NewGuid().ToString("N"), bytes);
        Assert.Null(first.Replayed);
        Assert.Equal("true", again.Replayed);
        Assert.Equal(first.Body.GetProperty("id").GetString(), again.Body.GetProperty("id").GetString());
        Assert.Equal(first.Body.GetProperty("score").GetSingle(), again.Body.GetProperty("score").GetSingle());
        Assert.Equal(first.Body.GetProperty("verdict").GetString(), again.Body.GetProperty("verdict").GetString());
        Assert.NotEqual(first.Body.GetProperty("id").GetString(), other.Body.GetProperty("id").GetString());
        // Two inspections recorded under that name (the first and the other key's), not three.
        using var history = await client.GetAsync($"api/lines/{GatewayFixture.Line}/inspections?take=500");
        Assert.True(history.IsSuccessStatusCode, await history.Content.ReadAsStringAsync());
        Assert.Equal(2,
            (await history.ReadJson()).EnumerateArray().Count(h => h.GetProperty("name").GetString() == name));

        foreach (var bad in new[] { "", "has space", new string('k', 129), "semi;colon" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post,
                $"api/lines/{GatewayFixture.Line}/inspect") { Content = Http.Image(bytes) };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", bad);
            Assert.Contains("Idempotency-Key", await (await client.SendAsync(request)).AssertProblem(400));
        }
    }

    /// <summary>A PNG signature and IHDR chunk claiming the given size, with no image data.</summary>
    public static byte[] PngHeader(int width, int height)
    {
        var b = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D',
            (byte)'R' }.CopyTo(b, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(20), height);
        b[24] = 8; b[25] = 2; // 8-bit RGB
        return b;
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
