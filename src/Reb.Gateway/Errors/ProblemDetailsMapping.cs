using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Storage;
using Reb.Core.Imaging;

namespace Reb.Gateway.Errors;

/// <summary>
/// Every exception becomes RFC 9457 problem details with a status that says whose fault it was. Only messages of
/// known, user-facing exceptions reach the client; anything unexpected is logged and answered with a generic 500
/// carrying the trace id, never a stack trace or an internal message.
/// </summary>
public sealed class ProblemDetailsMapping(ILogger<ProblemDetailsMapping> logger) : IExceptionHandler
{
    /// <summary>What a client is told to wait before retrying a transient failure.</summary>
    public static readonly TimeSpan TransientRetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested) return true;
        var (status, title, detail, retryAfter) = Map(exception);
        if (status >= 500 && retryAfter is null) logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
        else logger.LogInformation("{Method} {Path} -> {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        if (context.Response.HasStarted) return true;
        await WriteAsync(context, status, title, detail, retryAfter);
        return true;
    }

    /// <summary>Status, title, client-visible detail and Retry-After of an exception.</summary>
    public static (int Status, string Title, string Detail, TimeSpan? RetryAfter) Map(Exception e) => e switch
    {
        GatewayProblem p => (p.Status, p.Title, p.Message, p.RetryAfter),
        ImageLoadException i => (400, "Unreadable image", i.Message, null),
        ModelVersionException m when m.Message.Contains("not registered") || m.Message.Contains("does not exist") => (404, "Unknown model version", m.Message, null),
        ModelVersionException m => (409, "Model version problem", m.Message, null),
        BadHttpRequestException b when b.StatusCode == 413 => (413, "Payload too large", "the request body exceeds the gateway's limit", null),
        BadHttpRequestException b => (b.StatusCode, "Bad request", b.Message, null),
        InvalidDataException d when d.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase) => (413, "Payload too large", d.Message, null),
        InvalidDataException d => (400, "Bad request", d.Message, null),
        JsonException => (400, "Bad request", "the request body is not valid JSON for this operation", null),
        ArgumentException a => (400, "Bad request", a.Message, null),
        ArtefactStoreUnavailableException => (503, "Artefact store unavailable", "the artefact store cannot be reached; retry later", TransientRetryAfter),
        _ when RebClusterClient.IsTransient(e) => (503, "Cluster unavailable", "the cluster did not answer; retry later", TransientRetryAfter),
        _ => (500, "Internal error", "an unexpected error occurred; the gateway log has the details (see traceId)", null),
    };

    public static async Task WriteAsync(HttpContext context, int status, string title, string detail, TimeSpan? retryAfter)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (retryAfter is { } wait) context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString();
        var problem = new ProblemDetails
        {
            Type = $"https://httpstatuses.io/{status}",
            Title = title,
            Status = status,
            Detail = detail,
            Instance = context.Request.Path,
        };
        problem.Extensions["traceId"] = context.TraceIdentifier;
        await context.Response.WriteAsJsonAsync(problem, (JsonSerializerOptions?)null, "application/problem+json", context.RequestAborted);
    }
}
