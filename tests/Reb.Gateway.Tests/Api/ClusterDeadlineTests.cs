using System.Diagnostics;
using Reb.Abstractions.Client;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Tests.Api;

/// <summary>
/// The pieces of the dead-silo bound without a cluster (the failure itself: Load/SiloKillDuringInspectTests): a retried
/// cluster call stops waiting when its token fires, and the deadline becomes a retryable 503 while a client that went
/// away is not answered at all.
/// </summary>
public sealed class ClusterDeadlineTests
{
    [Fact]
    public async Task RetryAsync_stops_waiting_for_a_call_that_never_answers_when_its_token_fires()
    {
        var client = new RebClusterClient(null!);
        var never = new TaskCompletionSource<int>();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.RetryAsync(() => never.Task, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"waited {watch.Elapsed}");
    }

    [Fact]
    public async Task A_call_past_the_deadline_is_a_503_with_retry_after()
    {
        var client = new RebClusterClient(null!);
        var never = new TaskCompletionSource<int>();
        var e = await Assert.ThrowsAsync<GatewayProblem>(() =>
            ClusterDeadline.RunAsync(TimeSpan.FromMilliseconds(200), t => client.RetryAsync(() => never.Task, t),
                CancellationToken.None));
        Assert.Equal(503, e.Status);
        Assert.NotNull(e.RetryAfter);
        var (status, _, _, retryAfter) = ProblemDetailsMapping.Map(e);
        Assert.Equal(503, status);
        Assert.Equal(ProblemDetailsMapping.TransientRetryAfter, retryAfter);
    }

    [Fact]
    public async Task A_request_aborted_by_its_client_is_not_turned_into_a_503()
    {
        using var aborted = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var never = new TaskCompletionSource<int>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ClusterDeadline.RunAsync(TimeSpan.FromSeconds(30), t => never.Task.WaitAsync(t), aborted.Token));
    }
}
