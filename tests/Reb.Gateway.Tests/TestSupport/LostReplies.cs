using Orleans;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>
/// A grain call filter that lets a chosen grain method run and then throws <see cref="TimeoutException"/> to its
/// caller, once per <see cref="Arm"/>: what a caller sees when the reply of a call that did its work was lost. Tests
/// use it to check which calls the gateway retries (a retry of a call that is not idempotent does the work twice).
/// </summary>
public sealed class LostReplies : IIncomingGrainCallFilter
{
    private string? _method;

    /// <summary>The next call of <paramref name="method"/> (a grain interface method name) runs, then "times
    /// out".</summary>
    public void Arm(string method) => Volatile.Write(ref _method, method);

    public void Disarm() => Volatile.Write(ref _method, null);

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        await context.Invoke();
        var armed = Volatile.Read(ref _method);
        if (armed is not null && context.MethodName == armed
            && Interlocked.CompareExchange(ref _method, null, armed) == armed)
            throw new TimeoutException($"injected by the test: the reply of {context.InterfaceName}.{armed} was lost");
    }
}
