using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Storage;
using Reb.Core.Imaging;

namespace Reb.Gateway.Errors;

/// <summary>
/// Every exception becomes RFC 9457 problem details with a status that says whose fault it was. Only messages of
/// known, user-facing exceptions reach the client; anything unexpected is logged and answered with a generic 500
/// carrying the trace id, never a stack trace or an internal message. Messages that do reach the client pass through
/// <see cref="Sanitize"/> first: grain and store exceptions can quote store paths, blob URLs or connection details
/// (a model that is missing names the store it was looked for in), which are the operator's business, not the caller's.
/// </summary>
public sealed partial class ProblemDetailsMapping(ILogger<ProblemDetailsMapping> logger) : IExceptionHandler
{
    /// <summary>What a client is told to wait before retrying a transient failure.</summary>
    public static readonly TimeSpan TransientRetryAfter = TimeSpan.FromSeconds(5);

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested) return true;
        var (status, title, detail, retryAfter) = Map(exception);
        if (status >= 500 && retryAfter is null) logger.LogError(exception, "Unhandled error on {Method} {Path}",
            context.Request.Method, context.Request.Path);
        else logger.LogInformation("{Method} {Path} -> {Status}: {Detail}", context.Request.Method,
            context.Request.Path, status, detail);
        if (context.Response.HasStarted) return true;
        await WriteAsync(context, status, title, detail, retryAfter);
        return true;
    }

    /// <summary>Status, title, client-visible detail and Retry-After of an exception.</summary>
    public static (int Status, string Title, string Detail, TimeSpan? RetryAfter) Map(Exception e)
    {
        var (status, title, detail, retryAfter) = MapRaw(e);
        return (status, title, Sanitize(detail), retryAfter);
    }

    private static (int Status, string Title, string Detail, TimeSpan? RetryAfter) MapRaw(Exception e) => e switch
    {
        GatewayProblem p => (p.Status, p.Title, p.Message, p.RetryAfter),
        RegistryConflictException r => (409, "Conflict", r.Message, null),
        FormatException => (400, "Bad request", "a request field has the wrong format", null),
        ImageLoadException i => (400, "Unreadable image", i.Message, null),
        // The grain's message names the store (root folder, container URL) the version was looked for in: say less.
        ModelVersionException m when m.Message.Contains("not registered")
        => (404, "Unknown model version", FirstClause(m.Message), null),
        ModelVersionException m when m.Message.Contains("does not exist")
        => (404, "Unknown model version", FirstClause(m.Message), null),
        ModelVersionException m => (409, "Model version problem",
            FirstClause(m.Message) + " (the gateway log has the details; see traceId)", null),
        BadHttpRequestException b when b.StatusCode == 413
        => (413, "Payload too large", "the request body exceeds the gateway's limit", null),
        BadHttpRequestException b => (b.StatusCode, "Bad request", b.Message, null),
        InvalidDataException d when d.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase)
        => (413, "Payload too large", d.Message, null),
        InvalidDataException d => (400, "Bad request", d.Message, null),
        JsonException => (400, "Bad request", "the request body is not valid JSON for this operation", null),
        ArgumentException a => (400, "Bad request", a.Message, null),
        // The history's database (PostgreSQL down, SQLite locked past its timeout): nothing was answered, so the client
        // retries.
        System.Data.Common.DbException => (503, "Inspection history unavailable",
            "the inspection history cannot be written or read; retry later", TransientRetryAfter),
        ArtefactStoreUnavailableException => (503, "Artefact store unavailable",
            "the artefact store cannot be reached; retry later", TransientRetryAfter),
        _ when RebClusterClient.IsTransient(e)
        => (503, "Cluster unavailable", "the cluster did not answer; retry later", TransientRetryAfter),
        _
        => (500, "Internal error", "an unexpected error occurred; the gateway log has the details (see traceId)", null),
    };

    /// <summary>
    /// The message up to the first ": " after the subject (e.g. "line 'x': model version 'v' does not exist"), dropping
    /// the inner exception text that follows it.
    /// </summary>
    private static string FirstClause(string message)
    {
        var parts = message.Split(": ");
        // "line 'x': version 'v' does not exist: <inner>" keeps two parts; "model version 'v' does not exist: <inner>"
        // one.
        return parts.Length >= 2
            && parts[0].StartsWith("line '", StringComparison.Ordinal) ? $"{parts[0]}: {parts[1]}" : parts[0];
    }

    /// <summary>Replaces URLs, absolute file paths and connection-string settings in a client-visible
    /// message.</summary>
    public static string Sanitize(string message)
    {
        message = Url().Replace(message, "[url]");
        message = ConnectionSetting().Replace(message, "[setting]");
        return AbsolutePath().Replace(message, "[path]");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b[a-z][a-z0-9+.-]*://[^\s'""]+",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex Url();

    [System.Text.RegularExpressions.GeneratedRegex(
        @"\b(AccountKey|SharedAccessSignature|Password|AccountName|BlobEndpoint)=[^;\s'""]*",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex ConnectionSetting();

    // "/a/b" or "C:\a" (two or more segments): a file-system path. Relative keys ("uploads/x") are the caller's own
    // words.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w.])(?:[A-Za-z]:\\|/)[^\s'""/\\]+(?:[/\\][^\s'""/\\]*)+")]
    private static partial System.Text.RegularExpressions.Regex AbsolutePath();

    /// <summary>
    /// Writes the problem through ASP.NET Core's <see cref="IProblemDetailsService"/> (so every writer and
    /// customisation
    /// the host registers applies); a client whose Accept header takes no JSON still gets the JSON body rather than an
    /// empty one, since the status alone does not say what went wrong.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail,
        TimeSpan? retryAfter,
        CancellationToken? ct = null)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString();
        var problem = new ProblemDetails
        {
            Type = $"https://httpstatuses.io/{status}",
            Title = title,
            Status = status,
            Detail = detail,
            Instance = context.Request.Path,
        };
        problem.Extensions["traceId"] = context.TraceIdentifier;
        var service = context.RequestServices.GetService<IProblemDetailsService>();
        if (service is not null && await service.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem
        }))
            return;
        await context.Response.WriteAsJsonAsync(problem, (JsonSerializerOptions?)null, "application/problem+json",
            ct ?? context.RequestAborted);
    }
}
