using System.Collections.Concurrent;
using System.Diagnostics;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Gateway.Lines;

namespace Reb.Cli.Commands.Soak;

/// <summary>One silo at one moment: bank bytes resident (and the silo's own peak since it started), RSS.</summary>
public sealed record SiloSample(int Silo, bool Up, long BudgetBytes, long ResidentBytes, long PeakResidentBytes,
    long LargestShardBytes, long RssBytes);

/// <summary>The cluster once a second.</summary>
public sealed record ClusterSample(double Seconds, IReadOnlyList<SiloSample> Silos);

/// <summary>
/// Once a second: every silo's bank report (from the cluster's bank memory grain) and RSS (from /proc), and each
/// line's bank state (warm / waking / cold), which tells the clients whether an inspection is a cold line's first.
/// </summary>
public sealed class SoakMonitor(IGrainFactory grains, SoakSilos silos, IReadOnlyList<SoakLine> lines, int shards,
    Stopwatch clock)
{
    private readonly ConcurrentDictionary<string, string> _state = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _wakeClaimed = new(StringComparer.Ordinal);
    public ConcurrentQueue<ClusterSample> Samples { get; } = new();

    /// <summary>True once per cold spell of <paramref name="line"/>: the request that will wake it.</summary>
    public bool ClaimColdWake(string line) =>
        _state.TryGetValue(line, out var s) && s == LineBankState.Cold && _wakeClaimed.TryAdd(line, 0);

    public async Task RunAsync(CancellationToken stop)
    {
        var registry = grains.GetGrain<IBankMemoryGrain>(0);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                SiloBankReport[] reports;
                try { reports = await registry.All().WaitAsync(TimeSpan.FromSeconds(3), stop); }
                catch (Exception e) when (e is not OperationCanceledException) { continue; } // fail-over: next second
                foreach (var line in lines)
                {
                    var state = LineBankState.Of(ShardKey.All(line.Name, line.Version, shards), reports);
                    _state[line.Name] = state;
                    if (state != LineBankState.Cold) _wakeClaimed.TryRemove(line.Name, out _);
                }
                Samples.Enqueue(new ClusterSample(clock.Elapsed.TotalSeconds,
                    Enumerable.Range(0, silos.Ports.Count).Select(i => Sample(i, reports)).ToList()));
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) { }
    }

    private SiloSample Sample(int silo, SiloBankReport[] reports)
    {
        var port = silos.Ports[silo].Silo;
        var report = reports.FirstOrDefault(r => SiloAddress.FromParsableString(r.Silo).Endpoint.Port == port);
        int? pid = silos.Pid(silo);
        return new SiloSample(silo, pid is not null, report?.BudgetBytes ?? 0, report?.ResidentBytes ?? 0,
            report?.MaxResidentBytes ?? 0,
            report?.LargestShardBytes ?? 0, pid is { } p ? Rss(p) : 0);
    }

    private static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException) { }
        return 0;
    }
}
