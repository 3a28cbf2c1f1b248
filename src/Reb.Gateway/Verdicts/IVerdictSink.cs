namespace Reb.Gateway.Verdicts;

/// <summary>A plant system that receives verdict events. <see cref="DeliverAsync"/> returns only when the receiver has
/// taken the event (MQTT: the broker's PUBACK; webhook: a 2xx answer) and throws otherwise.</summary>
public interface IVerdictSink : IAsyncDisposable
{
    /// <summary>"mqtt" or "webhook": the outbox folder's and the metrics' name for it.</summary>
    string Kind { get; }

    Task DeliverAsync(byte[] payload, CancellationToken ct);
}
