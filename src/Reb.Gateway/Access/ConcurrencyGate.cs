using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Access;

/// <summary>
/// At most N requests of one kind (inspect, training start) in this gateway at once; one more is refused at once with
/// 503 and Retry-After rather than queued, so a burst cannot pile decoded images or uploads up in memory.
/// </summary>
public sealed class ConcurrencyGate(string name, int limit)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, limit), Math.Max(1, limit));
    public string Name { get; } = name;
    public int Limit { get; } = Math.Max(1, limit);

    public async ValueTask<object?> Run(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!_slots.Wait(0))
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "concurrency-" + Name));
            throw new GatewayProblem(503, "Busy", $"this gateway already runs {Limit} {Name} requests; retry shortly", TimeSpan.FromSeconds(1));
        }
        try { return await next(context); }
        finally { _slots.Release(); }
    }
}

/// <summary>The gateway's gates, one instance each.</summary>
public sealed class ConcurrencyGates(Microsoft.Extensions.Options.IOptions<GatewayOptions> options)
{
    public ConcurrencyGate Inspect { get; } = new("inspect", options.Value.MaxConcurrentInspections);
    public ConcurrencyGate Training { get; } = new("training-start", options.Value.MaxConcurrentTrainingStarts);
}

public static class ConcurrencyGateExtensions
{
    /// <summary>Runs the endpoint inside the gate chosen from the app's <see cref="ConcurrencyGates"/>.</summary>
    public static RouteHandlerBuilder InGate(this RouteHandlerBuilder endpoint, Func<ConcurrencyGates, ConcurrencyGate> gate) =>
        endpoint.AddEndpointFilter((ctx, next) => gate(ctx.HttpContext.RequestServices.GetRequiredService<ConcurrencyGates>()).Run(ctx, next));
}
