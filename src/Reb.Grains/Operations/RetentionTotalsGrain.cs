using Microsoft.Extensions.Logging;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class RetentionTotalsState
{
    [Id(0)] public RetentionTotals Totals { get; set; } = RetentionTotals.None;
}

/// <summary>Persisted totals of what retention removed; a lost write loses a count, never a deletion.</summary>
public sealed class RetentionTotalsGrain(
    [PersistentState("retention-totals", StorageNames.Registry)] IPersistentState<RetentionTotalsState> state,
    ILogger<RetentionTotalsGrain> log) : Grain, IRetentionTotalsGrain
{
    public async Task Add(RetentionTotals removed)
    {
        state.State.Totals = state.State.Totals.Plus(removed);
        try { await state.WriteStateAsync(); }
        catch (Exception e) { log.LogWarning(e,
            "retention totals: could not write them; the next change writes them again"); }
    }

    public Task<RetentionTotals> Get() => Task.FromResult(state.State.Totals);
}
