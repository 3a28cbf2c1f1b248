namespace Reb.Core.Search;

/// <summary>How a bank is searched. Every mode returns the same exact answer; they differ only in the work
/// done.</summary>
public enum SearchMode
{
    /// <summary>Every query screens every bank row (<see cref="KnnKernel"/>).</summary>
    Flat,
    /// <summary>The bank is cut into cells; cells that provably hold no neighbour are skipped (<see
    /// cref="CellIndex"/>).</summary>
    Cells,
    /// <summary>A probe when the bank is prepared picks cells only where they clearly pay (<see
    /// cref="KnnSearch"/>).</summary>
    Auto,
}

/// <summary>The names used on the command line and in model.json.</summary>
public static class SearchModes
{
    /// <summary>"flat", "cells" or "auto".</summary>
    public static string Name(SearchMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Parses "flat", "cells" or "auto" (any case).</summary>
    /// <exception cref="ArgumentException">Any other text.</exception>
    public static SearchMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "flat" => SearchMode.Flat,
        "cells" => SearchMode.Cells,
        "auto" => SearchMode.Auto,
        _ => throw new ArgumentException($"unknown search mode '{text}' (flat, cells or auto)", nameof(text)),
    };
}
