using Microsoft.Extensions.Options;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Publishing;

/// <summary>
/// The temp disk that model uploads may hold: each publish reserves its declared size (or the upload limit, when the
/// client sends none) before it reads a byte, against a budget and against the volume's real free space, so that
/// concurrent uploads cannot fill the temp volume (in k8s an emptyDir whose overflow evicts the pod).
/// </summary>
public sealed class PublishTempSpace(IOptions<GatewayOptions> options)
{
    private readonly object _lock = new();
    private long _reserved;

    /// <summary>Folder the uploads go to.</summary>
    public string Root
        => options.Value.PublishTempFolder is { Length: > 0 } f ? Path.GetFullPath(f) : Path.GetTempPath();

    /// <summary>Bytes reserved by publishes in flight.</summary>
    public long Reserved { get { lock (_lock) return _reserved; } }

    /// <summary>Reserves <paramref name="bytes"/>; dispose the result when the upload's folder is gone.</summary>
    /// <exception cref="GatewayProblem">413 when one upload alone is over the budget; 503 + Retry-After when the
    /// budget or the volume's free space is taken by others now.</exception>
    public Reservation Reserve(long bytes)
    {
        var o = options.Value;
        if (bytes > o.PublishTempBudgetBytes)
            throw GatewayProblem.TooLarge($"the model upload may take {bytes} bytes, over the publish temp budget of " +
                                          $"{o.PublishTempBudgetBytes} (Reb:Gateway:PublishTempBudgetBytes)");
        Directory.CreateDirectory(Root);
        long free = new DriveInfo(Root).AvailableFreeSpace;
        lock (_lock)
        {
            // Free space already lacks what the uploads in flight wrote so far: counting their whole reservation
            // again errs on the safe side.
            if (_reserved + bytes > o.PublishTempBudgetBytes || _reserved + bytes > free - o.PublishTempReserveBytes)
            {
                GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "publish-temp-space"));
                throw new GatewayProblem(503, "Busy",
                    $"publish temp space: {_reserved} bytes reserved by uploads in flight, " +
                    $"{free} free; this upload needs {bytes}; retry shortly", TimeSpan.FromSeconds(10));
            }
            _reserved += bytes;
        }
        return new Reservation(this, bytes);
    }

    private void Release(long bytes) { lock (_lock) _reserved -= bytes; }

    public sealed class Reservation(PublishTempSpace owner, long bytes) : IDisposable
    {
        private int _released;
        public long Bytes => bytes;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(bytes);
        }
    }
}
