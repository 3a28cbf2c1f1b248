using Orleans;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>
/// A grain call filter that holds every call to one grain interface until <see cref="Release"/>: what callers see
/// while the silo that hosts that grain's only activation is frozen or lost and not yet declared dead.
/// </summary>
public sealed class FrozenGrains(string interfaceName) : IIncomingGrainCallFilter
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _released.TrySetResult();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.InterfaceName.EndsWith(interfaceName, StringComparison.Ordinal)) await _released.Task;
        await context.Invoke();
    }
}
