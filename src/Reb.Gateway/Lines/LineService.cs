using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Reb.Abstractions.Client;
using Reb.Abstractions.Contracts;
using Reb.Abstractions.Grains;
using Reb.Gateway.Access;
using Reb.Gateway.Errors;

namespace Reb.Gateway.Lines;

/// <summary>A line the caller may see: its registry status and operational settings, read together.</summary>
public sealed record LineContext(string Line, ProductLineStatus Status, LineSettings Settings);

/// <summary>
/// Line lookups with the site rule applied (a line of another site is "not found", so its existence does not leak),
/// model manifest summaries (cached: versions are immutable), and the shapes the endpoints return.
/// </summary>
public sealed partial class LineService(IGrainFactory grains, RebClusterClient cluster)
{
    private readonly ConcurrentDictionary<string, ModelVersionInfo> _models = new();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex LineName();

    public RebClusterClient Cluster => cluster;
    public IGrainFactory Grains => grains;

    public static void CheckName(string line)
    {
        if (!LineName().IsMatch(line))
            throw GatewayProblem.BadRequest(
                $"line '{line}' is not a valid line name (letters, digits, '.', '_', '-'; up to 64)");
    }

    /// <summary>The line, or 404 when it does not exist or belongs to another site.</summary>
    public async Task<LineContext> ResolveAsync(Caller caller, string line, CancellationToken ct)
    {
        if (!LineName().IsMatch(line)) throw NotFound(line);
        var (settings, status) = await OwnerAsync(line, ct);
        if (settings.Site is null || settings.EffectiveSite != caller.Site)
        {
            GatewayTelemetry.Refusals.Add(1, new KeyValuePair<string, object?>("reason", "not-found"));
            throw NotFound(line);
        }
        status ??= await cluster.RetryAsync(() => grains.GetGrain<IProductLineGrain>(line).GetStatus(), ct);
        return new LineContext(line, status, settings);
    }

    /// <summary>
    /// The line's settings (Site null = the line does not exist yet). A line registered before lines had sites (older
    /// state) exists if it has versions or jobs; it belongs to the default site and is given to it now (and listed
    /// there). </summary>
    public async Task<(LineSettings Settings, ProductLineStatus? Status)> OwnerAsync(string line, CancellationToken ct)
    {
        var ops = grains.GetGrain<ILineOperationsGrain>(line);
        var settings = await cluster.RetryAsync(() => ops.GetSettings(), ct);
        if (settings.Site is not null) return (settings, null);
        var status = await cluster.RetryAsync(() => grains.GetGrain<IProductLineGrain>(line).GetStatus(), ct);
        if (status.Versions.Count > 0 || status.Jobs.Count > 0)
            settings = await cluster.RetryAsync(() => ops.Claim(Sites.Default), ct);
        return (settings, status);
    }

    public static GatewayProblem NotFound(string line) => GatewayProblem.NotFound($"line '{line}' not found");

    public async Task<ModelVersionInfo> ModelAsync(string version, CancellationToken ct)
    {
        if (_models.TryGetValue(version, out var hit)) return hit;
        var info = await cluster.RetryAsync(() => grains.GetGrain<IModelInfoGrain>(version).GetInfo(), ct);
        return _models[version] = info;
    }

    /// <summary>The threshold verdicts use: the line's override, else the current model's calibrated
    /// threshold.</summary>
    public static double? EffectiveThreshold(LineSettings settings, ModelVersionInfo? model)
        => settings.ThresholdOverride ?? model?.Threshold;

    public async Task<IReadOnlyList<string>> SiteLinesAsync(string site, CancellationToken ct) =>
        await cluster.RetryAsync(() => grains.GetGrain<ILineDirectoryGrain>(site).List(), ct);

    public async Task<LineSummary> SummaryAsync(LineContext l, CancellationToken ct)
    {
        var d = await DetailAsync(l, withVersions: false, ct);
        return new LineSummary(d.Line, d.Site, d.CurrentVersion, d.Threshold, d.Inspections, d.Rejects, d.RejectRate,
            d.ThroughputPerMin, d.LastInspectionUtc);
    }

    public Task<LineDetail> DetailAsync(LineContext l, CancellationToken ct) => DetailAsync(l, withVersions: true, ct);

    private async Task<LineDetail> DetailAsync(LineContext l, bool withVersions, CancellationToken ct)
    {
        var model = l.Status.Current is { } v ? await ModelAsync(v, ct) : null;
        var counters = await cluster.RetryAsync(() => grains.GetGrain<IInspectionLogGrain>(l.Line).Counters(), ct);
        var versions = withVersions ? await VersionsAsync(l, ct) : [];
        double rejectRate = counters.Inspections == 0 ? 0 : (double)counters.Rejects / counters.Inspections;
        return new LineDetail(l.Line, l.Settings.EffectiveSite, l.Status.Current, EffectiveThreshold(l.Settings, model),
            counters.Inspections,
            counters.Rejects, rejectRate, counters.ThroughputPerMin, counters.LastInspectionUtc, model?.Threshold,
            l.Settings.ThresholdOverride,
            l.Status.Shards, versions, l.Status.Jobs, l.Status.Previous)
        {
            CurrentMetrics = model is null ? null : VersionMetrics.From(model),
            BankState = l.Status.Current is { } current && withVersions
                ? LineBankState.Of(ShardKey.All(l.Line, current, l.Status.Shards),
                    await cluster.RetryAsync(() => grains.GetGrain<IBankMemoryGrain>(0).All(), ct))
                : null,
        };
    }

    public async Task<IReadOnlyList<VersionInfo>> VersionsAsync(LineContext l, CancellationToken ct)
    {
        var result = new List<VersionInfo>();
        foreach (var v in l.Status.Versions.OrderByDescending(v => v.RegisteredUtc))
        {
            VersionMetrics? metrics = null;
            try
            {
                var m = await ModelAsync(v.Version, ct);
                metrics = VersionMetrics.From(m);
            }
            catch (ModelVersionException) { } // a version whose files went missing is still listed, without metrics
            result.Add(new VersionInfo(v.Version, v.RegisteredUtc, v.Source, v.Version == l.Status.Current, metrics));
        }
        return result;
    }

    /// <summary>The line a training job belongs to among the caller's site's lines; 404 otherwise.</summary>
    public async Task<string> JobLineAsync(Caller caller, string jobId, CancellationToken ct)
    {
        // The job records its line and site when it starts; another site's job looks exactly like one that does not
        // exist.
        if (!Guid.TryParseExact(jobId, "N", out _)) throw GatewayProblem.NotFound($"training job '{jobId}' not found");
        var owner = await cluster.RetryAsync(() => grains.GetGrain<ITrainingGrain>(jobId).GetOwner(), ct);
        if (owner is null || owner.Site != caller.Site)
            throw GatewayProblem.NotFound($"training job '{jobId}' not found");
        return owner.Line;
    }
}
