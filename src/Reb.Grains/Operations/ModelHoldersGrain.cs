using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class ModelHoldersState
{
    [Id(0)] public SortedSet<string> Lines { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The persisted set of lines holding one version. A line records itself when it registers the version and, for
/// versions registered before this record existed, whenever it activates. A change is kept only once written.
/// </summary>
public sealed class ModelHoldersGrain(
    [PersistentState("model-holders", StorageNames.Registry)] IPersistentState<ModelHoldersState> state) : Grain,
        IModelHoldersGrain
{
    public Task Hold(string line)
        => state.State.Lines.Contains(line) ? Task.CompletedTask : ChangeAsync(lines => lines.Add(line));

    public async Task<bool> ReleaseLast(string line)
    {
        if (!state.State.Lines.Contains(line)) return false;
        await ChangeAsync(lines => lines.Remove(line));
        return state.State.Lines.Count == 0;
    }

    private async Task ChangeAsync(Func<SortedSet<string>, bool> change)
    {
        var before = state.State.Lines;
        var after = new SortedSet<string>(before, StringComparer.Ordinal);
        change(after);
        state.State.Lines = after;
        try { await state.WriteStateAsync(); }
        catch { state.State.Lines = before; throw; }
    }
}
