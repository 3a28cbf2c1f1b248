using Reb.Gateway.Lines;
using Reb.Gateway.Tests.TestSupport;
using Reb.Gateway.Verdicts;
using Reb.Silo;

namespace Reb.Gateway.Tests.Verdicts;

/// <summary>
/// Verdicts reach a plant's MQTT subscriber through a real mosquitto: every inspection of a demo-sized run exactly once
/// and in order per line, also when the broker is down for part of the run, and after a gateway restart with events
/// still in its outbox.
/// </summary>
public sealed class MqttVerdictTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("reb-verdicts-").FullName;
    private readonly string _site = "plant-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string[] _lines =
        ["line-a-" + Guid.NewGuid().ToString("N")[..6], "line-b-" + Guid.NewGuid().ToString("N")[..6]];
    private readonly string _adminKey = DurableGateway.NewAdminKey();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    private static Dictionary<string, string> Mqtt(int port) => new()
    {
        ["Mqtt:Host"] = "127.0.0.1",
        ["Mqtt:Port"] = port.ToString()
    };

    /// <summary>The broker of infra/start-services.sh (REB_MOSQUITTO_PORT, default 1883).</summary>
    private static int SharedBrokerPort()
    {
        int port = int.TryParse(Environment.GetEnvironmentVariable("REB_MOSQUITTO_PORT"), out var p) ? p : 1883;
        Assert.True(MosquittoBroker.Answers(port),
            $"no MQTT broker on 127.0.0.1:{port}: run `bash infra/start-services.sh`");
        return port;
    }

    [Fact]
    public async Task Every_verdict_of_a_demo_run_arrives_once_and_in_order_per_line()
    {
        int port = SharedBrokerPort();
        await using var subscriber = await VerdictSubscriber.StartAsync(port, _site, _lines);
        await using var gateway = await VerdictGateway.StartAsync(_site, _work, _adminKey, Mqtt(port));
        await gateway.AddLinesAsync(_lines);

        var sent = await InspectDemoRunAsync(gateway, afterEach: null);

        var received = await subscriber.WaitForAsync(sent.Count, TimeSpan.FromSeconds(60));
        VerdictAssert.OnceInOrder(sent, received);
        var first = received.First(r => r.InspectionId == sent[0].Id);
        Assert.Equal((_site, sent[0].Line, sent[0].Score, sent[0].Threshold, sent[0].Verdict, sent[0].Version,
            sent[0].Name),
            (first.Site, first.Line, first.Score, first.Threshold, first.Verdict, first.Version, first.ImageId));
        Assert.Equal(0, await gateway.OutboxDepthAsync("mqtt"));
    }

    [Fact]
    public async Task A_broker_stopped_for_part_of_the_run_loses_nothing_and_keeps_the_order()
    {
        using var broker = new MosquittoBroker();
        await broker.StartAsync();
        await using var subscriber = await VerdictSubscriber.StartAsync(broker.Port, _site, _lines);
        await using var gateway = await VerdictGateway.StartAsync(_site, _work, _adminKey, Mqtt(broker.Port));
        await gateway.AddLinesAsync(_lines);

        long depthWhileDown = 0;
        var sent = await InspectDemoRunAsync(gateway, async n =>
        {
            if (n == 8) await broker.StopAsync();
            if (n == 20)
            {
                depthWhileDown = await gateway.OutboxDepthAsync("mqtt") ?? -1;
                await broker.StartAsync();
            }
        });

        // Events 9..20 waited in the outbox while the broker was down (and the 8th, if it was still on its way at the
        // stop).
        Assert.InRange(depthWhileDown, 11, 13);
        var received = await subscriber.WaitForAsync(sent.Count, TimeSpan.FromSeconds(90));
        VerdictAssert.OnceInOrder(sent, received);
        Assert.Equal(0, await gateway.OutboxDepthAsync("mqtt"));
    }

    [Fact]
    public async Task Events_in_the_outbox_survive_a_gateway_restart()
    {
        int port = LoopbackPorts.Next(); // no broker there yet
        var sent = new List<Inspection>();
        await using (var gateway = await VerdictGateway.StartAsync(_site, _work, _adminKey, Mqtt(port)))
        {
            await gateway.AddLinesAsync(_lines);
            using var client = gateway.Client();
            foreach (var image in VerdictGateway.DemoImages().Take(6))
                sent.Add(await gateway.InspectAsync(client, _lines[sent.Count % 2], image));
            Assert.Equal(6, await gateway.OutboxDepthAsync("mqtt"));
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_work, "verdict-outbox", _site, "mqtt"), "*.seg"));

        using var broker = new MosquittoBroker(port);
        await broker.StartAsync();
        await using var subscriber = await VerdictSubscriber.StartAsync(broker.Port, _site, _lines);
        await using var restarted = await VerdictGateway.StartAsync(_site, _work, _adminKey, Mqtt(port));
        var received = await subscriber.WaitForAsync(sent.Count, TimeSpan.FromSeconds(60));
        VerdictAssert.OnceInOrder(sent, received);
    }

    [Fact]
    public async Task A_full_outbox_refuses_verdicts_with_an_error_metric_while_inspections_go_on()
    {
        int port = LoopbackPorts.Next(); // no broker: nothing leaves the outbox
        var sinks = Mqtt(port);
        sinks["Reb:Verdicts:OutboxMaxBytes"] = "1200"; // room for a few events of ~300 bytes
        await using var gateway = await VerdictGateway.StartAsync(_site, _work, _adminKey, sinks);
        await gateway.AddLinesAsync(_lines);
        using var client = gateway.Client();
        foreach (var image in VerdictGateway.DemoImages().Take(8)) await gateway.InspectAsync(client, _lines[0], image);

        var depth = await gateway.OutboxDepthAsync("mqtt");
        var refused = await gateway.MetricAsync("reb_verdicts_refused", "mqtt");
        Assert.InRange(depth ?? 0, 1, 7);
        Assert.Equal(8, depth + refused);
    }

    /// <summary>The 32 deeppcb test images, alternating between the two lines, one after the other (as a camera
    /// station sends them); <paramref name="afterEach"/> gets the count so far.</summary>
    private async Task<List<Inspection>> InspectDemoRunAsync(VerdictGateway gateway, Func<int, Task>? afterEach)
    {
        using var client = gateway.Client();
        var sent = new List<Inspection>();
        foreach (var image in VerdictGateway.DemoImages())
        {
            sent.Add(await gateway.InspectAsync(client, _lines[sent.Count % 2], image));
            if (afterEach is not null) await afterEach(sent.Count);
        }
        Assert.Equal(32, sent.Count);
        return sent;
    }
}
