using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Reb.Gateway.Verdicts;

namespace Reb.Gateway.Tests.Verdicts;

/// <summary>
/// A plant system listening to verdicts: an MQTTnet client with a persistent session (clean session off, QoS 1), so
/// the broker keeps its subscription and queues what arrives while it is away; reconnects by itself after the broker
/// restarts. Every message it receives is kept, duplicates included.
/// </summary>
public sealed class VerdictSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly MqttClientOptions _options;
    private readonly string[] _topics;
    private readonly CancellationTokenSource _closing = new();

    public ConcurrentQueue<VerdictEvent> Received { get; } = new();

    private VerdictSubscriber(int port, string[] topics)
    {
        _topics = topics;
        _options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("reb-test-plant-" + Guid.NewGuid().ToString("N")[..8])
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(false)
            .Build();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Received.Enqueue(
                VerdictEvent.FromJson(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            // One reconnect loop at a time: a failed reconnect raises this event again.
            if (e.ClientWasConnected && Interlocked.Exchange(ref _reconnecting, 1) == 0) _ = Task.Run(ReconnectAsync);
            return Task.CompletedTask;
        };
    }

    private int _reconnecting;

    private async Task ReconnectAsync()
    {
        try
        {
            while (!_closing.IsCancellationRequested && !_client.IsConnected)
            {
                try { await _client.ConnectAsync(_options, _closing.Token); }
                catch (Exception) when (!_closing.IsCancellationRequested) { await Task.Delay(200); }
                catch (OperationCanceledException) { return; }
            }
        }
        finally { Interlocked.Exchange(ref _reconnecting, 0); }
    }

    /// <summary>Connects and subscribes to the verdict topic of each line of <paramref name="site"/>.</summary>
    public static async Task<VerdictSubscriber> StartAsync(int port, string site, params string[] lines)
    {
        var s = new VerdictSubscriber(port, lines.Select(l => MqttVerdictSink.Topic(site, l)).ToArray());
        await s._client.ConnectAsync(s._options);
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var t in s._topics) subscribe.WithTopicFilter(t, MqttQualityOfServiceLevel.AtLeastOnce);
        await s._client.SubscribeAsync(subscribe.Build());
        return s;
    }

    /// <summary>Waits until <paramref name="count"/> messages arrived (then a moment more, to see any
    /// duplicate).</summary>
    public async Task<IReadOnlyList<VerdictEvent>> WaitForAsync(int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (Received.Count < count && DateTime.UtcNow < until) await Task.Delay(100);
        await Task.Delay(1000);
        return Received.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try { if (_client.IsConnected) await _client.DisconnectAsync(); } catch (Exception) { }
        _client.Dispose();
    }
}
