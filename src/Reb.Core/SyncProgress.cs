namespace Reb.Core;

/// <summary>
/// An IProgress that reports on the caller's thread, in order. (System.Progress posts to the thread pool, so a
/// progress bar could receive 97% after 100%.)
/// </summary>
public sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
