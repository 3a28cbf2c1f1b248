namespace Reb.Gateway.Errors;

/// <summary>A request the gateway refuses with a known status; turned into problem details by <see
/// cref="ProblemDetailsMapping"/>.</summary>
public sealed class GatewayProblem(int status, string title, string detail, TimeSpan? retryAfter = null)
    : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static GatewayProblem BadRequest(string detail) => new(400, "Bad request", detail);
    public static GatewayProblem NotFound(string detail) => new(404, "Not found", detail);
    public static GatewayProblem UnknownInspection(string line, string id) =>
        NotFound($"inspection '{id}' of line '{line}' is not in the inspection history");
    public static GatewayProblem Conflict(string detail) => new(409, "Conflict", detail);
    public static GatewayProblem TooLarge(string detail) => new(413, "Payload too large", detail);
    public static GatewayProblem UnsupportedMediaType(string detail) => new(415, "Unsupported media type", detail);
}
