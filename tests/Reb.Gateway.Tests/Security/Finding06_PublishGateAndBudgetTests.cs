using System.Net;
using System.Net.Http.Headers;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Reb.Core.Models;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;
using Reb.Gateway.Publishing;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Publish had no concurrency gate and no temp-space budget, an unbounded number of multipart sections, verification
/// that held whole arrays, and it claimed the line before reading the body (garbage got 404 on a taken name and 400
/// on a free one, and the free name stayed claimed). Each limit is pushed past here against the real gateway.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding06_PublishGateAndBudgetTests(GatewayFixture gateway)
{
    private static MultipartFormDataContent Garbage(int files = 1)
    {
        var form = new MultipartFormDataContent();
        for (int i = 0; i < files; i++)
        {
            var c = new ByteArrayContent(new byte[] { 1, 2, 3, 4 });
            c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(c, "files", $"junk-{i}.bin");
        }
        return form;
    }

    /// <summary>
    /// A publish as a well-behaved uploader sends it (Expect: 100-continue): a refusal made before the body is read
    /// reaches the client before the model is sent, instead of a broken pipe while it is still writing.
    /// </summary>
    private static HttpRequestMessage Upload(string path, string model)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = TamperedModels.Form(model) };
        request.Headers.ExpectContinue = true;
        return request;
    }

    [Fact]
    public async Task A_garbage_body_answers_the_same_on_a_free_and_a_taken_name_and_leaves_the_free_name_free()
    {
        using var b = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f06", Roles.Engineer));
        const string free = "sec-f06-squat";
        using var onFree = await b.PostAsync($"api/lines/{free}/versions", Garbage());
        using var onTaken = await b.PostAsync($"api/lines/{GatewayFixture.Line}/versions", Garbage()); // site A's
        Assert.Equal(await onFree.AssertProblem(400), await onTaken.AssertProblem(400));
        Assert.Null(await TamperedModels.OwnerAsync(gateway, free));
        Assert.Equal(GatewayFixture.SiteA, await TamperedModels.OwnerAsync(gateway, GatewayFixture.Line));
    }

    [Fact]
    public async Task A_body_of_many_sections_is_refused_with_413()
    {
        using var b = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f06", Roles.Engineer));
        var max = gateway.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.MaxPublishSections;
        using var r = await b.PostAsync("api/lines/sec-f06-sections/versions", Garbage(max + 1));
        Assert.Contains("MaxPublishSections", await r.AssertProblem(413));
        Assert.Null(await TamperedModels.OwnerAsync(gateway, "sec-f06-sections"));
    }

    [Fact]
    public async Task Publishes_beyond_the_gate_and_its_queue_get_503_with_retry_after()
    {
        var gate = gateway.Services.GetRequiredService<ConcurrencyGates>().ModelWrites;
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        var model = Path.Combine(gateway.Work, "model-a");
        // Slots taken as publishes in flight take them, and the queue filled with waiters.
        var running = new List<RateLimitLease>();
        for (int i = 0; i < gate.Limit; i++) running.Add(await gate.AcquireAsync(CancellationToken.None));
        Assert.All(running, l => Assert.True(l.IsAcquired));
        var waiting = Enumerable.Range(0, gate.Queue).Select(_ => gate.AcquireAsync(CancellationToken.None).AsTask())
            .ToList();
        try
        {
            using var r = await engineer.SendAsync(Upload("api/lines/sec-f06-gate/versions", model));
            await r.AssertProblem(503);
            Assert.NotNull(r.Headers.RetryAfter);
        }
        finally
        {
            foreach (var l in running) l.Dispose();
            foreach (var l in await Task.WhenAll(waiting)) l.Dispose();
        }
        using var after = await engineer.PostAsync("api/lines/sec-f06-gate/versions", TamperedModels.Form(model));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_publish_over_the_temp_space_left_by_uploads_in_flight_gets_503_and_nothing_is_claimed()
    {
        var space = gateway.Services.GetRequiredService<PublishTempSpace>();
        var budget = gateway.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.PublishTempBudgetBytes;
        using var engineer = gateway.Client(await SecurityHelpers.KeyAsync(gateway, "sec-f06", Roles.Engineer));
        var model = Path.Combine(gateway.Work, "model-a");
        // Uploads in flight hold all but 1 KB of the budget; the model directory is larger than that.
        using (space.Reserve(budget - 1024))
        {
            using var r = await engineer.SendAsync(Upload("api/lines/sec-f06-space/versions", model));
            Assert.Contains("publish temp space", await r.AssertProblem(503));
            Assert.NotNull(r.Headers.RetryAfter);
            Assert.Null(await TamperedModels.OwnerAsync(gateway, "sec-f06-space"));
        }
        Assert.Equal(0, space.Reserved);
        using var after = await engineer.PostAsync("api/lines/sec-f06-space/versions", TamperedModels.Form(model));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(0, space.Reserved);
    }

    [Fact]
    public void A_reservation_is_checked_against_the_temp_volumes_real_free_space()
    {
        var root = Directory.CreateDirectory(Path.Combine(gateway.Work, "f06-temp")).FullName;
        long free = new DriveInfo(root).AvailableFreeSpace;
        // A budget far larger than the disk: the free space is what refuses.
        var space = new PublishTempSpace(Options.Create(new GatewayOptions
        {
            PublishTempFolder = root, PublishTempBudgetBytes = long.MaxValue / 2, PublishTempReserveBytes = 0,
        }));
        var e = Assert.Throws<GatewayProblem>(() => space.Reserve(free + (1L << 30)));
        Assert.Equal(503, e.Status);
        using (space.Reserve(1024)) Assert.Equal(1024, space.Reserved);
    }

    [Fact]
    public void Verification_streams_a_large_core_set_without_holding_it_in_memory()
    {
        // A consistent model whose core set is 32 MB: verifying it must allocate far less than the file.
        var dir = TamperedModels.Make(gateway, m => m);
        var m = ModelDirectory.ReadManifest(dir);
        long rows = 32L * 1024 * 1024 / sizeof(float) / m.Bank.Dim;
        m = m with { Bank = m.Bank with { Core = rows, Patches = Math.Max(rows, m.Bank.Patches) } };
        var files = new Dictionary<string, FileEntry>(m.Files)
        {
            [m.Bank.CoreFile] = WriteZeros(dir, m.Bank.CoreFile, m.Bank.Core * m.Bank.Dim * sizeof(float)),
            [m.Bank.DensityFile] = WriteZeros(dir, m.Bank.DensityFile, m.Bank.Core * sizeof(float)),
            [m.Bank.CoreIndexFile] = WriteZeros(dir, m.Bank.CoreIndexFile, m.Bank.Core * sizeof(long)),
        };
        if (m.Bank.NeighbourFile is { } nf) files[nf] = WriteZeros(dir, nf, m.Bank.Core * m.Ldknn.K * sizeof(float));
        m = m with { Files = files };
        m = m with { Version = ModelDirectory.ComputeVersion(m) };
        File.WriteAllText(Path.Combine(dir, ModelDirectory.ManifestFile), ModelDirectory.Serialize(m));

        ModelStore.Verify(dir); // warm-up (JIT, pools)
        long before = GC.GetAllocatedBytesForCurrentThread();
        ModelStore.Verify(dir);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4L * 1024 * 1024, $"verifying a 32 MB core set allocated {allocated} bytes");
    }

    private static FileEntry WriteZeros(string dir, string name, long bytes)
    {
        var path = Path.Combine(dir, name);
        using (var fs = File.Create(path)) fs.SetLength(bytes);
        return TensorFiles.Describe(path);
    }
}
