namespace Reb.Gateway.Errors;

/// <summary>
/// A bound on how long one request waits for the cluster. A grain call to a silo that was just killed is answered only
/// when Orleans' response timeout (30 s) passes or membership declares the silo dead; a load run saw inspections hang
/// past 30 s that way. Past the deadline the caller gets 503 with Retry-After, a refusal it may repeat (the same image
/// inspected again), instead of a hung connection. The token must reach every cluster call (RebClusterClient.RetryAsync
/// stops waiting when it fires). The request's own token still wins: a client that went away is not answered.
/// </summary>
public static class ClusterDeadline
{
    public static async Task<T> RunAsync<T>(TimeSpan limit, Func<CancellationToken, Task<T>> work,
        CancellationToken requestAborted)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        deadline.CancelAfter(limit);
        try { return await work(deadline.Token); }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested
            && !requestAborted.IsCancellationRequested)
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "cluster-deadline"));
            throw new GatewayProblem(503, "Cluster unavailable",
                $"the cluster did not answer within {limit.TotalSeconds:0} s (a silo may have just left it); retry " +
                "later",
                ProblemDetailsMapping.TransientRetryAfter);
        }
    }

    /// <summary>The inspect deadline of <paramref name="options"/>.</summary>
    public static TimeSpan Inspect(GatewayOptions options)
        => TimeSpan.FromSeconds(Math.Max(1, options.InspectClusterDeadlineSeconds));
}
