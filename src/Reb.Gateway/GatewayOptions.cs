namespace Reb.Gateway;

/// <summary>Settings of the HTTP gateway; section "Reb:Gateway".</summary>
public sealed class GatewayOptions
{
    public const string Section = "Reb:Gateway";

    /// <summary>Host the HTTP API in the silo process (Reb.Silo); false = a plain silo without HTTP.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Kestrel port of the API, dashboard and health probes (0 = any free port, used by tests).</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>Largest request body (raw image, multipart batch or training upload); larger requests get
    /// 413.</summary>
    public long MaxBodyBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Largest model directory an engineer may upload to POST /api/lines/{line}/versions (a 200k-patch bank is
    /// ~400 MB).</summary>
    public long MaxModelUploadBytes { get; set; } = 1L * 1024 * 1024 * 1024;

    /// <summary>
    /// Temp disk all publishes in flight may hold together (each reserves its declared size before it reads a byte);
    /// one more waits for none: 503 with Retry-After. Keep it under the temp volume (k8s: the emptyDir's sizeLimit).
    /// </summary>
    public long PublishTempBudgetBytes { get; set; } = 1536L * 1024 * 1024;

    /// <summary>Free space a publish leaves on the temp volume beyond its own reservation (other users of
    /// /tmp).</summary>
    public long PublishTempReserveBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Folder of publish uploads (null = the system temp folder).</summary>
    public string? PublishTempFolder { get; set; }

    /// <summary>Multipart sections one publish may hold (a model directory has under ten files); more is 413.</summary>
    public int MaxPublishSections { get; set; } = 64;

    /// <summary>Publishes and bank updates running at once in this gateway; see <see
    /// cref="MaxQueuedModelWrites"/>.</summary>
    public int MaxConcurrentModelWrites { get; set; } = 2;

    /// <summary>Model writes that wait for a slot; one more gets 503 with Retry-After.</summary>
    public int MaxQueuedModelWrites { get; set; } = 2;

    /// <summary>Version comparisons and CSV exports running at once in this gateway; see <see
    /// cref="MaxQueuedHeavyReads"/>.</summary>
    public int MaxConcurrentHeavyReads { get; set; } = 2;

    /// <summary>Heavy reads that wait for a slot; one more gets 503 with Retry-After.</summary>
    public int MaxQueuedHeavyReads { get; set; } = 4;

    /// <summary>
    /// Largest image (width x height) accepted, read from the header before any decoding; larger get 413. 16 MP: a
    /// decoded image costs 4 bytes a pixel (64 MB here), and a highly compressible PNG of 100 KB can claim that much.
    /// </summary>
    public long MaxImagePixels { get; set; } = 16_000_000;

    /// <summary>Files in one batch inspection; more is 413. Each file also counts against <see
    /// cref="RateLimitPerMinute"/>.</summary>
    public int MaxImagesPerBatch { get; set; } = 32;

    /// <summary>
    /// Failed authentications per minute per client address and presented key id; over it, that client's requests with
    /// that key id get 429 (other clients, and other keys behind the same address, are not held back).
    /// </summary>
    public int FailedAuthPerMinute { get; set; } = 30;

    /// <summary>
    /// Addresses or networks ("10.0.0.5", "10.0.0.0/8") of the ingress / reverse proxies in front of the gateway: from
    /// them, the client address is taken from X-Forwarded-For (the nearest address not itself a trusted proxy). Empty:
    /// the connection's address is the client's, and X-Forwarded-For is ignored (anybody could write it).
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Key records cached (hits only: unknown ids are never cached, so random ids cannot fill the
    /// cache).</summary>
    public int KeyCacheCapacity { get; set; } = 10_000;

    /// <summary>Inspect requests (single and batch) running at once in this gateway; more get 503 with
    /// Retry-After.</summary>
    public int MaxConcurrentInspections { get; set; } = 32;

    /// <summary>Training starts (uploads included) running at once in this gateway; more get 503 with
    /// Retry-After.</summary>
    public int MaxConcurrentTrainingStarts { get; set; } = 4;

    /// <summary>Time limit of an inspect request (body upload included); over it: 504.</summary>
    public int InspectTimeoutSeconds { get; set; } = 60;

    /// <summary>
    /// Longest wait of an inspection for the cluster (line lookup, scoring, recording; the body upload is not counted);
    /// over it: 503 with Retry-After. Shorter than <see cref="InspectTimeoutSeconds"/> and than Orleans' 30 s response
    /// timeout, so a call stuck on a silo that just died is refused as retryable instead of hanging.
    /// </summary>
    public int InspectClusterDeadlineSeconds { get; set; } = 12;

    /// <summary>Time limit of every other API request (training uploads included); over it: 504. Event streams are
    /// exempt.</summary>
    public int RequestTimeoutSeconds { get; set; } = 120;

    /// <summary>Training jobs of one site not yet finished; one more start is 429.</summary>
    public int MaxRunningJobsPerSite { get; set; } = 4;

    /// <summary>Open training event streams (SSE) per key; one more is 429.</summary>
    public int MaxEventStreamsPerKey { get; set; } = 4;

    /// <summary>Longest life of one event stream; the client reconnects after it (SSE clients do so on their
    /// own).</summary>
    public int EventStreamLifetimeSeconds { get; set; } = 600;

    /// <summary>
    /// The backstop sweep deletes uploaded training images this many hours after their upload (0 = no sweep); a job
    /// deletes its own uploads as soon as it ends.
    /// </summary>
    public int UploadRetentionHours { get; set; } = 72;

    /// <summary>Seconds between drift tests of every line (the reb_line_drift_* gauges); 0 = only when the API is
    /// asked.</summary>
    public int DriftCheckSeconds { get; set; } = 60;

    /// <summary>
    /// Bearer token for <c>/metrics</c> ("Authorization: Bearer &lt;token&gt;"): for Prometheus, which has no API key.
    /// Empty = only operations keys (<see cref="OperationsSite"/> admins) may scrape.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>
    /// The cluster-wide operations site: its admin keys may open the Orleans Dashboard and scrape /metrics, which show
    /// every site's data. Keys of any other site never can.
    /// </summary>
    public string OperationsSite { get; set; } = "operations";

    /// <summary>
    /// Extra artefact-store prefixes a site may train from, per site (e.g. "Reb:Gateway:TrainingFolders:site-a:0" =
    /// "datasets/site-a/"). A site may always train from its own area "sites/&lt;site&gt;/" (its uploads live there).
    /// </summary>
    public Dictionary<string, List<string>> TrainingFolders { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Requests per minute per API key (fixed one-minute window); over it: 429 with Retry-After.</summary>
    public int RateLimitPerMinute { get; set; } = 600;

    /// <summary>
    /// Development bootstrap: an admin key ("reb_&lt;id&gt;_&lt;secret&gt;", e.g. from an environment variable or a
    /// secret) that
    /// is hashed when the gateway starts and only that hash is kept (in memory; it is never written to the key store).
    /// It belongs to <see cref="DefaultSite"/>. Use it to create real keys, then remove it from the configuration.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>File holding <see cref="BootstrapAdminKey"/> (a mounted Secret); read by the silo host at
    /// start.</summary>
    public string? BootstrapAdminKeyFile { get; set; }

    /// <summary>
    /// A missing or empty <see cref="BootstrapAdminKeyFile"/> means "no bootstrap key" instead of stopping the silo:
    /// for a Secret mounted as optional, deleted (or emptied) once real keys exist.
    /// </summary>
    public bool BootstrapAdminKeyFileOptional { get; set; }

    /// <summary>
    /// Secret (32+ characters) with which every gateway signs the API key records it stores and checks those it reads:
    /// a record changed or forged in the state store is refused. The same on every silo of the cluster; keep it outside
    /// the state store (a mounted Secret, <see cref="KeyRecordSigningKeyFile"/>). Required outside Development when the
    /// cluster is not a localhost one; without it records are stored and read unsigned.
    /// </summary>
    public string? KeyRecordSigningKey { get; set; }

    /// <summary>Shortest accepted <see cref="KeyRecordSigningKey"/> (characters): 32 random ones are beyond
    /// guessing.</summary>
    public const int MinKeyRecordSigningKeyLength = 32;

    /// <summary>File holding <see cref="KeyRecordSigningKey"/> (a mounted Secret); read by the silo host at
    /// start.</summary>
    public string? KeyRecordSigningKeyFile { get; set; }

    /// <summary>
    /// The signing secret being rotated out: records it signed are still accepted, and at start each gateway re-signs
    /// them with <see cref="KeyRecordSigningKey"/> (audited "key-resign"). Rotation: set the new secret as
    /// KeyRecordSigningKey and the old one here on every silo, restart, then remove this setting. Never used to sign.
    /// </summary>
    public string? PreviousKeyRecordSigningKey { get; set; }

    /// <summary>File holding <see cref="PreviousKeyRecordSigningKey"/>; read by the silo host at start, and optional:
    /// a missing or empty file means no rotation in progress.</summary>
    public string? PreviousKeyRecordSigningKeyFile { get; set; }

    /// <summary>
    /// One-time migration: at start, sign the key records that were stored before signing (no signature at all).
    /// Records with a wrong signature are never re-signed. Set it for one start after adding the signing key to a
    /// cluster that already has keys, then remove it: while it is set, a record written unsigned into the store
    /// before a start would be signed too.
    /// </summary>
    public bool SignUnsignedKeyRecords { get; set; }

    /// <summary>Site of the bootstrap admin key.</summary>
    public string DefaultSite { get; set; } = Reb.Abstractions.Contracts.Sites.Default;
}
