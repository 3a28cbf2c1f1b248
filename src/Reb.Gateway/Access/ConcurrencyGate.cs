using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Access;

/// <summary>
/// At most N requests of one kind in this gateway at once, and at most Q more waiting for a slot (oldest first); one
/// more is refused at once with 503 and Retry-After. Inspections and training starts wait for nothing (Q = 0), so a
/// burst cannot pile decoded images or uploads up in memory; the heavy operator reads and model writes queue a few.
/// </summary>
public sealed class ConcurrencyGate
{
    private readonly ConcurrencyLimiter _limiter;

    public ConcurrencyGate(string name, int limit, int queue = 0)
    {
        Name = name;
        Limit = Math.Max(1, limit);
        Queue = Math.Max(0, queue);
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Limit, QueueLimit = Queue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public string Name { get; }
    public int Limit { get; }
    public int Queue { get; }

    /// <summary>A slot (waiting in the queue when there is room); a lease that is not acquired means
    /// "refuse".</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken ct) => _limiter.AcquireAsync(1, ct);

    public async ValueTask<object?> Run(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        using var lease = await AcquireAsync(context.HttpContext.RequestAborted);
        if (!lease.IsAcquired)
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "concurrency-" + Name));
            var waiting = Queue == 0 ? "" : $" and {Queue} more wait";
            throw new GatewayProblem(503, "Busy",
                $"this gateway already runs {Limit} {Name} requests{waiting}; retry shortly",
                TimeSpan.FromSeconds(Queue == 0 ? 1 : 5));
        }
        return await next(context);
    }
}

/// <summary>The gateway's gates, one instance each.</summary>
public sealed class ConcurrencyGates(Microsoft.Extensions.Options.IOptions<GatewayOptions> options)
{
    public ConcurrencyGate Inspect { get; } = new("inspect", options.Value.MaxConcurrentInspections);
    public ConcurrencyGate Training { get; } = new("training-start", options.Value.MaxConcurrentTrainingStarts);

    /// <summary>Model writes: publishes and bank updates (each holds a model directory on temp disk and hashes
    /// it).</summary>
    public ConcurrencyGate ModelWrites { get; } =
        new("model-write", options.Value.MaxConcurrentModelWrites, options.Value.MaxQueuedModelWrites);

    /// <summary>Heavy operator reads: version comparisons (scores hundreds of images) and CSV exports.</summary>
    public ConcurrencyGate HeavyReads { get; } =
        new("heavy-read", options.Value.MaxConcurrentHeavyReads, options.Value.MaxQueuedHeavyReads);
}

public static class ConcurrencyGateExtensions
{
    /// <summary>Runs the endpoint inside the gate chosen from the app's <see cref="ConcurrencyGates"/>.</summary>
    public static RouteHandlerBuilder InGate(this RouteHandlerBuilder endpoint,
        Func<ConcurrencyGates, ConcurrencyGate> gate) =>
        endpoint.AddEndpointFilter((ctx,
            next) => gate(ctx.HttpContext.RequestServices.GetRequiredService<ConcurrencyGates>()).Run(ctx, next));
}
