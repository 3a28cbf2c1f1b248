namespace Reb.Cli.Commands.Load;

/// <summary>What one `reb load` run does: who it calls, with what, for how long and how hard.</summary>
/// <param name="BaseUrl">Gateway root, e.g. http://127.0.0.1:8080 (loopback only, see <see
/// cref="LoopbackGuard"/>).</param> <param name="ApiKey">Operator (or higher) key sent as X-Api-Key.</param>
/// <param name="Line">Product line inspected.</param>
/// <param name="Clients">Concurrent clients; each sends its next request when the previous one has answered.</param>
/// <param name="Duration">No request starts after this much time.</param>
/// <param name="MaxRequests">No request starts after this many were started (all clients together).</param>
/// <param name="RequestTimeout">A request without an answer after this long counts as hung and is abandoned.</param>
/// <param name="MaxRetryAfter">Longest Retry-After a client honours (longer ones are shortened to it).</param>
public sealed record LoadSettings(
    Uri BaseUrl,
    string ApiKey,
    string Line,
    int Clients,
    TimeSpan Duration,
    int MaxRequests,
    TimeSpan RequestTimeout,
    TimeSpan MaxRetryAfter)
{
    /// <summary>Further gateway roots (other silos' HTTP ports); clients spread over all and fail over between
    /// them.</summary>
    public IReadOnlyList<Uri> MoreUrls { get; init; } = [];

    /// <summary><see cref="BaseUrl"/> and <see cref="MoreUrls"/>.</summary>
    public IReadOnlyList<Uri> Endpoints => [BaseUrl, .. MoreUrls];

    /// <summary>Checks the numbers and the target (loopback only); throws <see cref="ArgumentException"/> naming the
    /// option.</summary>
    public LoadSettings Validated()
    {
        foreach (var url in Endpoints) LoopbackGuard.Check(url);
        if (string.IsNullOrWhiteSpace(ApiKey))
            throw new ArgumentException("--key (or REB_API_KEY): an API key is required");
        if (string.IsNullOrWhiteSpace(Line)) throw new ArgumentException("--line: a product line is required");
        if (Clients is < 1 or > 256) throw new ArgumentException($"--clients must be 1..256, not {Clients}");
        if (Duration <= TimeSpan.Zero || Duration > TimeSpan.FromHours(1))
            throw new ArgumentException($"--seconds must be in (0, 3600], not {Duration.TotalSeconds}");
        if (MaxRequests < 1) throw new ArgumentException($"--requests must be at least 1, not {MaxRequests}");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentException("--timeout must be positive");
        return this;
    }
}
