using Orleans.Concurrency;
using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>The lines of one site (key = site name), so that a site's lines can be listed.</summary>
public interface ILineDirectoryGrain : IGrainWithStringKey
{
    Task Add(string line);
    [ReadOnly] Task<IReadOnlyList<string>> List();
}
