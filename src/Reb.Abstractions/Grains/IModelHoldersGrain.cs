namespace Reb.Abstractions.Grains;

/// <summary>
/// The lines whose registry holds one model version (key = the version). Versions are content addresses shared by
/// every line and site, so a line that drops a version may delete its files only when no other line holds it.
/// </summary>
public interface IModelHoldersGrain : IGrainWithStringKey
{
    Task Hold(string line);

    /// <summary>Forgets <paramref name="line"/>; true when it was a recorded holder and no other line holds the
    /// version (its files may go).</summary>
    Task<bool> ReleaseLast(string line);
}
