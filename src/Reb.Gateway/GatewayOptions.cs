namespace Reb.Gateway;

/// <summary>Settings of the HTTP gateway; section "Reb:Gateway".</summary>
public sealed class GatewayOptions
{
    public const string Section = "Reb:Gateway";

    /// <summary>Host the HTTP API in the silo process (Reb.Silo); false = a plain silo without HTTP.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Kestrel port of the API, dashboard and health probes (0 = any free port, used by tests).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>Largest request body (raw image, multipart batch or training upload); larger requests get 413.</summary>
    public long MaxBodyBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Largest image (width x height) accepted, read from the header before any decoding; larger get 413.</summary>
    public long MaxImagePixels { get; set; } = 40_000_000;

    /// <summary>Requests per minute per API key (fixed one-minute window); over it: 429 with Retry-After.</summary>
    public int RateLimitPerMinute { get; set; } = 600;

    /// <summary>
    /// Development bootstrap: an admin key ("reb_&lt;id&gt;_&lt;secret&gt;", e.g. from an environment variable or a secret) that
    /// is hashed when the gateway starts and only that hash is kept (in memory; it is never written to the key store).
    /// It belongs to <see cref="DefaultSite"/>. Use it to create real keys, then remove it from the configuration.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>File holding <see cref="BootstrapAdminKey"/> (a mounted Secret); read by the silo host at start.</summary>
    public string? BootstrapAdminKeyFile { get; set; }

    /// <summary>Site of the bootstrap admin key.</summary>
    public string DefaultSite { get; set; } = Reb.Abstractions.Contracts.Sites.Default;
}
