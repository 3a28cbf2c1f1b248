using Reb.Abstractions.Contracts;
using Reb.Grains.Training;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// A failed training job showed its exception message to the client as is: silo paths, storage endpoints. What the
/// job's progress carries now (TrainingGrain stores this text as its error) names the step, keeps the messages written
/// for users without absolute paths, and sends everything else to the silo's log.
/// </summary>
public sealed class Finding13_TrainingErrorTests
{
    [Fact]
    public void A_storage_error_with_a_silo_path_reaches_the_client_as_the_step_and_the_job_id_only()
    {
        var secretPath = Path.Combine(Path.GetTempPath(), "silo-internal-" + Guid.NewGuid().ToString("N"), "core.f32");
        var real = Assert.ThrowsAny<IOException>(() => File.OpenRead(secretPath)); // a real exception of the silo
        Assert.Contains(secretPath, real.Message);
        var shown = TrainingErrors.ForClients("job42", TrainingStage.Embed, real);
        Assert.DoesNotContain(secretPath, shown);
        Assert.DoesNotContain("silo-internal", shown);
        Assert.StartsWith("Embed:", shown);
        Assert.Contains("job42", shown);
    }

    [Fact]
    public void A_user_facing_error_keeps_its_words_without_absolute_paths()
    {
        var e = new ArgumentException("image 'good/003.png' cannot be decoded: see /var/lib/reb/cache/x/003.png and " +
                                      "https://store.internal:10000/devstoreaccount1/x");
        var shown = TrainingErrors.ForClients("job42", TrainingStage.Adapt, e);
        Assert.Contains("image 'good/003.png' cannot be decoded", shown);
        Assert.DoesNotContain("/var/lib/reb", shown);
        Assert.DoesNotContain("store.internal", shown);
    }
}
