using Reb.Abstractions.Contracts;

namespace Reb.Grains.Diagnostics;

/// <summary>
/// Largest payload (arguments or result, see <see cref="PayloadSize"/>) seen by the REB grain-call filters of this
/// process: the evidence that features travel in bounded chunks and models travel as references.
/// </summary>
public static class MessageSizeMeter
{
    private static long _largest;
    private static string _largestCall = "";
    private static long _messages;

    public static long LargestBytes => Interlocked.Read(ref _largest);
    public static string LargestCall => _largestCall;
    public static long Messages => Interlocked.Read(ref _messages);

    public static void Record(string call, long bytes)
    {
        Interlocked.Increment(ref _messages);
        long seen;
        while (bytes > (seen = Interlocked.Read(ref _largest)))
        {
            if (Interlocked.CompareExchange(ref _largest, bytes, seen) == seen) { _largestCall = call; break; }
        }
    }

    public static void Reset()
    {
        Interlocked.Exchange(ref _largest, 0);
        Interlocked.Exchange(ref _messages, 0);
        _largestCall = "";
    }
}

/// <summary>Measures every outgoing REB grain call: summed argument payload, then the result payload.</summary>
public sealed class MessageSizeCallFilter : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        bool ours =
            context.InterfaceMethod?.DeclaringType?.Namespace?.StartsWith("Reb.", StringComparison.Ordinal) == true;
        if (ours)
        {
            long args = 0;
            for (int i = 0; i < context.Request.GetArgumentCount(); i++)
                args += PayloadSize.Of(context.Request.GetArgument(i));
            MessageSizeMeter.Record(context.MethodName + " request", args);
        }
        await context.Invoke();
        if (ours) MessageSizeMeter.Record(context.MethodName + " response", PayloadSize.Of(context.Result));
    }
}
