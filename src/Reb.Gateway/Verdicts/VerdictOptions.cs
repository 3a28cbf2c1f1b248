namespace Reb.Gateway.Verdicts;

/// <summary>
/// Where each site's verdicts go; section "Reb:Verdicts". Off by default: a site without an entry in <see
/// cref="Sites"/> publishes nothing. Each configured sink of a site has its own on-disk outbox under <see
/// cref="OutboxFolder"/>.
/// </summary>
public sealed class VerdictOptions
{
    public const string Section = "Reb:Verdicts";

    /// <summary>Sinks per site, e.g. "Reb:Verdicts:Sites:plant-1:Mqtt:Host".</summary>
    public Dictionary<string, SiteVerdictSinks> Sites { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Folder of the outboxes (one sub-folder per site and sink). Put it on a volume that survives a restart of the
    /// process (a pod's persistent volume); each gateway process needs its own. Null: "verdict-outbox" in the system
    /// temp folder.
    /// </summary>
    public string? OutboxFolder { get; set; }

    /// <summary>Largest size of one sink's undelivered events on disk; past it new events are refused (logged as an
    /// error and counted by reb.verdicts.refused) until the sink catches up.</summary>
    public long OutboxMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Size at which the outbox starts a new segment file; delivered segments are deleted whole.</summary>
    public long SegmentBytes { get; set; } = 1L * 1024 * 1024;

    /// <summary>First wait after a failed delivery; it doubles on each further failure up to <see
    /// cref="RetryMaxSeconds"/>.</summary>
    public double RetryMinSeconds { get; set; } = 0.5;

    public double RetryMaxSeconds { get; set; } = 30;

    public string ResolvedOutboxFolder => OutboxFolder ?? Path.Combine(Path.GetTempPath(), "verdict-outbox");
}

/// <summary>The sinks of one site: MQTT, a webhook, or both (each delivers every verdict).</summary>
public sealed class SiteVerdictSinks
{
    public MqttSinkOptions? Mqtt { get; set; }
    public WebhookSinkOptions? Webhook { get; set; }
}

/// <summary>An MQTT broker; verdicts go to "reb/{site}/{line}/verdict" with QoS 1.</summary>
public sealed class MqttSinkOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 1883;
    public string? Username { get; set; }
    public string? Password { get; set; }
    public bool UseTls { get; set; }
    /// <summary>Client id at the broker; null: "reb-{site}-{machine}".</summary>
    public string? ClientId { get; set; }
    public int ConnectTimeoutSeconds { get; set; } = 10;
}

/// <summary>An HTTP endpoint; each verdict is one POST of its JSON, and any 2xx answer means delivered.</summary>
public sealed class WebhookSinkOptions
{
    public string Url { get; set; } = "";
    /// <summary>Optional value of the Authorization header (e.g. "Bearer ...").</summary>
    public string? Authorization { get; set; }
    public int TimeoutSeconds { get; set; } = 10;
}
