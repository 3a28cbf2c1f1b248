using System.Net;

namespace Reb.Client;

/// <summary>
/// The gateway refused a request: the HTTP status and the API's problem details (RFC 9457 "title" and "detail").
/// <see cref="RetryAfter"/> is set when the gateway asks to come back later (429, 503).
/// </summary>
public sealed class RebApiException(int status, string? title, string? detail, TimeSpan? retryAfter)
    : Exception($"{status} {title}{(string.IsNullOrEmpty(detail) ? "" : ": " + detail)}")
{
    public int Status { get; } = status;
    public HttpStatusCode StatusCode => (HttpStatusCode)Status;
    public string? Title { get; } = title;
    public string? Detail { get; } = detail;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
