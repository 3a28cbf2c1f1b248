using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Reb.Gateway.Lines;
using Reb.Gateway.Tests.TestSupport;
using Reb.Gateway.Verdicts;

namespace Reb.Gateway.Tests.Verdicts;

/// <summary>The webhook sink against a small Kestrel receiver of the plant's: answers other than 2xx are retried with
/// backoff, and every verdict arrives once, in order.</summary>
public sealed class WebhookVerdictTests
{
    [Fact]
    public async Task Every_verdict_is_posted_once_in_order_and_refusals_are_retried()
    {
        var work = Directory.CreateTempSubdirectory("reb-webhook-").FullName;
        var site = "plant-" + Guid.NewGuid().ToString("N")[..8];
        var line = "line-" + Guid.NewGuid().ToString("N")[..6];
        var received = new ConcurrentQueue<VerdictEvent>();
        int attempts = 0;
        const int refusals = 3;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = builder.Build();
        receiver.MapPost("/plant/verdicts", async (HttpRequest request) =>
        {
            // The first deliveries find the plant's system busy: 503, as a restarting MES answers.
            if (Interlocked.Increment(ref attempts) <= refusals) return Results.StatusCode(503);
            Assert.Equal("Bearer plant-secret", request.Headers.Authorization.ToString());
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            received.Enqueue(VerdictEvent.FromJson(body.ToArray()));
            return Results.NoContent();
        });
        await receiver.StartAsync();
        var url = receiver.Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();

        try
        {
            await using var gateway =
                await VerdictGateway.StartAsync(site, work, DurableGateway.NewAdminKey(), new Dictionary<string, string>
            {
                ["Webhook:Url"] = url + "/plant/verdicts",
                ["Webhook:Authorization"] = "Bearer plant-secret",
            });
            await gateway.AddLinesAsync(line);
            using var client = gateway.Client();
            var sent = new List<Inspection>();
            foreach (var image in VerdictGateway.DemoImages().Take(8))
                sent.Add(await gateway.InspectAsync(client, line, image));

            var until = DateTime.UtcNow.AddSeconds(60);
            while (received.Count < sent.Count && DateTime.UtcNow < until) await Task.Delay(100);
            await Task.Delay(500);
            VerdictAssert.OnceInOrder(sent, received.ToList());
            Assert.Equal(sent.Count + refusals, attempts);
            Assert.Equal(0, await gateway.OutboxDepthAsync("webhook"));
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
