using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>The cluster's running totals of what retention removed (key <see cref="Key"/>), for
/// <c>reb cluster status</c>.</summary>
public interface IRetentionTotalsGrain : IGrainWithStringKey
{
    const string Key = "cluster";

    Task Add(RetentionTotals removed);

    [ReadOnly] Task<RetentionTotals> Get();
}
