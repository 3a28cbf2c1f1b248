using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;
using Reb.Storage.Inspections;

namespace Reb.Gateway.Tests.Security;

/// <summary>
/// Heavy operator work had no gate: a version comparison (200 images x 2 versions, a 10-minute timeout), the CSV
/// export (up to 100k rows built in memory) and bank updates ran as many at once as operators asked for. Now each
/// runs in a gate with a short queue (one more: 503 with Retry-After), and the export streams its rows.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class Finding11_HeavyOperatorGateTests(GatewayFixture gateway)
{
    /// <summary>No awaited call of these tests may wait longer than this: a gate that queues instead of refusing fails
    /// the test instead of hanging the run.</summary>
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    /// <summary>Takes every slot and fills the queue of <paramref name="gate"/>, as requests in flight would; the
    /// returned release frees them.</summary>
    private static async Task<Func<Task>> FillAsync(ConcurrencyGate gate)
    {
        var running = new List<RateLimitLease>();
        for (int i = 0; i < gate.Limit; i++)
            running.Add(await gate.AcquireAsync(CancellationToken.None).AsTask().WaitAsync(CallLimit));
        Assert.All(running, l => Assert.True(l.IsAcquired));
        var waiting = Enumerable.Range(0, gate.Queue).Select(_ => gate.AcquireAsync(CancellationToken.None).AsTask())
            .ToList();
        return async () =>
        {
            foreach (var l in running) l.Dispose();
            // One by one, oldest first, each released as soon as it has its slot: with a queue longer than the limit
            // the later waiters get a slot only when an earlier waiter gives its slot back (waiting for all of them
            // first never ends).
            foreach (var w in waiting) (await w.WaitAsync(CallLimit)).Dispose();
        };
    }

    /// <summary>A GET that gives up after <see cref="CallLimit"/>.</summary>
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var limit = new CancellationTokenSource(CallLimit);
        return await client.GetAsync(path, completion, limit.Token);
    }

    [Fact]
    public async Task Compare_and_export_beyond_the_gate_and_its_queue_get_503_with_retry_after()
    {
        var gates = gateway.Services.GetRequiredService<ConcurrencyGates>();
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        var compare = $"api/lines/{GatewayFixture.Line}/compare?version={gateway.SecondVersion}";
        var export = $"api/lines/{GatewayFixture.Line}/inspections.csv";
        var release = await FillAsync(gates.HeavyReads);
        try
        {
            foreach (var path in new[] { compare, export })
            {
                using var r = await GetAsync(op, path);
                await r.AssertProblem(503);
                Assert.NotNull(r.Headers.RetryAfter);
            }
        }
        finally { await release().WaitAsync(CallLimit); }
        using var again = await GetAsync(op, export);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_bank_update_beyond_the_model_write_gate_gets_503_with_retry_after()
    {
        var gates = gateway.Services.GetRequiredService<ConcurrencyGates>();
        using var engineer = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Engineer));
        var release = await FillAsync(gates.ModelWrites);
        try
        {
            using var limit = new CancellationTokenSource(CallLimit);
            using var r = await engineer.PostAsync($"api/lines/{GatewayFixture.ScratchLine}/bank",
                SecurityHelpers.Json("{\"inspections\":[\"0123456789abcdef\"]}"), limit.Token);
            await r.AssertProblem(503);
            Assert.NotNull(r.Headers.RetryAfter);
        }
        finally { await release().WaitAsync(CallLimit); }
    }

    [Fact]
    public async Task The_export_streams_its_rows_and_counts_them()
    {
        // A line with more rows than one write of the export holds, in the real history database.
        var history = gateway.Services.GetRequiredService<IInspectionHistory>();
        var line = "sec-f11-export-" + Guid.NewGuid().ToString("N")[..6];
        await gateway.Grains.GetGrain<Reb.Abstractions.Grains.ILineOperationsGrain>(line).Claim(GatewayFixture.SiteA);
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        const int rows = 2500;
        for (int i = 0; i < rows; i++)
            await history.AddAsync(new InspectionEntry($"{i:x16}", GatewayFixture.SiteA, line, gateway.Version, i,
                i % 7 == 0, 3.0, 12.5,
                start.AddMilliseconds(i), ImageName: $"part-{i}.png"));
        using var op = gateway.Client(gateway.Key(GatewayFixture.SiteA, Roles.Operator));
        using var r = await GetAsync(op, $"api/lines/{line}/inspections.csv", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        // Streamed: sent as chunks, no length known before the rows are written.
        Assert.Null(r.Content.Headers.ContentLength);
        Assert.True(r.Headers.TransferEncodingChunked);
        Assert.Equal(rows.ToString(), r.Headers.GetValues("X-Reb-Rows").Single());
        Assert.Equal($"{line}-inspections.csv", r.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var reading = new CancellationTokenSource(CallLimit);
        var lines = (await r.Content.ReadAsStringAsync(reading.Token))
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(InspectionCsv.Header, lines[0]);
        Assert.Equal(rows + 1, lines.Length);
        Assert.StartsWith($"{rows - 1:x16},", lines[1]); // newest first
    }
}
