using MQTTnet;
using MQTTnet.Protocol;

namespace Reb.Gateway.Verdicts;

/// <summary>
/// Publishes each verdict to "reb/{site}/{line}/verdict" with QoS 1 and waits for the broker's PUBACK. One connection,
/// made on the first delivery and again after it breaks; the outbox keeps the event until a publish succeeds.
/// </summary>
public sealed class MqttVerdictSink(string site, MqttSinkOptions options) : IVerdictSink
{
    private readonly MqttClientFactory _factory = new();
    private IMqttClient? _client;

    public string Kind => "mqtt";

    public static string Topic(string site, string line) => $"reb/{site}/{line}/verdict";

    public async Task DeliverAsync(byte[] payload, CancellationToken ct)
    {
        var verdict = VerdictEvent.FromJson(payload);
        var client = await ConnectedAsync(ct);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(verdict.Site, verdict.Line))
            .WithPayload(payload)
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            var result = await client.PublishAsync(message, ct);
            if (!result.IsSuccess)
                throw new InvalidOperationException(
                    $"the MQTT broker refused the verdict: {result.ReasonCode} {result.ReasonString}");
        }
        catch
        {
            // A broken or refused publish: start from a fresh connection next time.
            await DropAsync();
            throw;
        }
    }

    private async Task<IMqttClient> ConnectedAsync(CancellationToken ct)
    {
        if (_client is { IsConnected: true }) return _client;
        await DropAsync();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(options.ClientId ?? $"reb-{site}-{Environment.MachineName}")
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(options.ConnectTimeoutSeconds));
        if (options.Username is not null) builder.WithCredentials(options.Username, options.Password);
        if (options.UseTls) builder.WithTlsOptions(t => t.UseTls());
        var client = _factory.CreateMqttClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.ConnectTimeoutSeconds));
            await client.ConnectAsync(builder.Build(), timeout.Token);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return _client = client;
    }

    private async Task DropAsync()
    {
        var client = _client;
        _client = null;
        if (client is null) return;
        try { if (client.IsConnected) await client.DisconnectAsync(); }
        catch (Exception) { /* the connection is already gone */ }
        client.Dispose();
    }

    public async ValueTask DisposeAsync() => await DropAsync();
}
