using Orleans.Serialization;

namespace Reb.Grains.Operations;

/// <summary>
/// Grain state changes that become visible only once they are durable. The change is made on a deep copy; the copy
/// is written; only then is it the grain's state. When the write fails, the grain goes back to what storage holds:
/// a storage time-out may still have applied the write, so the state (and its ETag) is read again rather than
/// guessed; when even that read fails, the old state stays and the grain deactivates, so that its next activation
/// reads storage. Either way no caller sees a change that a restart could undo, and a retry starts from storage's
/// truth. Grains are not reentrant, so nothing else runs between the swap and the write.
/// </summary>
public static class DurableState
{
    /// <summary>Applies <paramref name="change"/> to a copy of the state, writes it, returns the change's
    /// result.</summary>
    public static async Task<TResult> ChangeAsync<TState, TResult>(this IPersistentState<TState> state, Grain owner,
        DeepCopier copier, Func<TState, TResult> change)
    {
        var before = state.State;
        var copy = copier.Copy(before)!;
        var result = change(copy);
        state.State = copy;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = before;
            try { await state.ReadStateAsync(); }
            catch
            {
                owner.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested,
                    "a state write failed and storage could not be read back"));
            }
            throw;
        }
        return result;
    }

    /// <summary><see cref="ChangeAsync{TState,TResult}"/> for a change without a result.</summary>
    public static Task ChangeAsync<TState>(this IPersistentState<TState> state, Grain owner, DeepCopier copier,
        Action<TState> change) =>
        state.ChangeAsync(owner, copier, s => { change(s); return true; });
}

/// <summary>
/// Ids of recent requests that changed a grain's state, kept in that state (written with the change): a retry of
/// a request whose reply was lost finds its id and is answered without doing the change a second time.
/// </summary>
public static class RecentRequests
{
    /// <summary>Ids kept per grain (oldest dropped first): far more than the calls a caller retries at once.</summary>
    public const int Capacity = 256;

    public static bool Contains(List<Guid> requests, Guid? id) => id is { } g && requests.Contains(g);

    public static void Remember(List<Guid> requests, Guid? id)
    {
        if (id is not { } g) return;
        requests.Add(g);
        if (requests.Count > Capacity) requests.RemoveRange(0, requests.Count - Capacity);
    }
}
