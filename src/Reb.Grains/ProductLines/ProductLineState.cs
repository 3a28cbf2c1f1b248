using Reb.Abstractions.Contracts;
using Reb.Grains.Operations;

namespace Reb.Grains.ProductLines;

/// <summary>Persisted registry of one product line.</summary>
[GenerateSerializer]
public sealed class ProductLineState
{
    [Id(0)] public List<ModelVersionEntry> Versions { get; set; } = [];
    [Id(1)] public string? Current { get; set; }
    /// <summary>Earlier current versions, most recent last.</summary>
    [Id(2)] public List<string> Previous { get; set; } = [];
    [Id(3)] public int Shards { get; set; } = 1;
    [Id(4)] public List<string> Jobs { get; set; } = [];
    /// <summary>Recent promotes and roll-backs by request id (see <see cref="RecentRequests"/>).</summary>
    [Id(5)] public List<Guid> Requests { get; set; } = [];
}
