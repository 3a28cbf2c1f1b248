using Reb.Abstractions.Contracts;

namespace Reb.Abstractions.Grains;

/// <summary>
/// Stateless scoring worker (use key 0): embeds an image with the version's backbone (cached per version per silo),
/// fans the patch queries out to all bank shards of the version in bounded chunks, merges the nearest cores
/// (min distance, ties -> lowest global index) and scores with the same code as the single-process path.
/// </summary>
public interface IScoringGrain : IGrainWithIntegerKey
{
    Task<ScoreResult> Score(ScoreRequest request);
}
