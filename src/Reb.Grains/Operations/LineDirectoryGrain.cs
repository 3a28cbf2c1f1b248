using Reb.Abstractions.Grains;

namespace Reb.Grains.Operations;

[GenerateSerializer]
public sealed class LineDirectoryState
{
    [Id(0)] public SortedSet<string> Lines { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The persisted set of lines of one site.</summary>
public sealed class LineDirectoryGrain(
    [PersistentState("site-lines", StorageNames.Registry)] IPersistentState<LineDirectoryState> state) : Grain,
        ILineDirectoryGrain
{
    public async Task Add(string line)
    {
        if (state.State.Lines.Add(line)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> List() => Task.FromResult<IReadOnlyList<string>>(state.State.Lines.ToList());
}
