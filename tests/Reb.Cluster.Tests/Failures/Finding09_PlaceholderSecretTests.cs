using Reb.Cluster.Tests.Deployment;
using Reb.Cluster.Tests.TestSupport;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// The k8s overlay's placeholder Secrets passed the silo's checks: applied unchanged, the site's admin key was the
/// repository's "reb_REPLACEME..." and the Redis password "REPLACE_ME...". And the bootstrap Secret's volume was
/// required, so deleting the Secret (as the manifest said to) stopped the next roll-out. Real silo hosts.
/// </summary>
public sealed class Finding09_PlaceholderSecretTests : IDisposable
{
    private readonly string _work = TestCertificates.TempFolder("placeholders");

    private static K8sDocument Silo => K8sManifests.OfKind("Deployment")
        .First(d => d.PodLabels().GetValueOrDefault("app.kubernetes.io/name") == "reb-silo");

    [Fact]
    public async Task The_shipped_placeholder_admin_key_file_stops_the_silo_with_the_settings_name()
    {
        var placeholder = SiloEnvironment.SecretData("reb-bootstrap-admin", Silo)["admin-key"];
        var file = Path.Combine(_work, "admin-key");
        await File.WriteAllTextAsync(file, placeholder); // what the mounted Secret holds when applied unchanged
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:BootstrapAdminKeyFile"] = file;
        var error = Assert.ThrowsAny<Exception>(() => StartAndStop(settings));
        Assert.Contains("Reb:Gateway:BootstrapAdminKey", error.Message);
        Assert.Contains("placeholder", error.Message);
        Assert.DoesNotContain(placeholder, error.Message); // the value is never printed
    }

    [Fact]
    public void The_shipped_placeholder_redis_connection_string_stops_the_silo()
    {
        var placeholder = SiloEnvironment.SecretData("reb-storage", Silo)["REB__SILO__REDISCONNECTIONSTRING"];
        var settings = WebSilos.Settings(_work);
        settings["Reb:Silo:RedisConnectionString"] = placeholder;
        var error = Assert.ThrowsAny<Exception>(() => StartAndStop(settings));
        Assert.Contains("Reb:Silo:RedisConnectionString", error.Message);
    }

    [Fact]
    public void The_emulators_published_account_key_for_a_remote_endpoint_stops_the_silo_outside_development()
    {
        var settings = WebSilos.Settings(_work);
        settings["Reb:ArtefactStore:ConnectionString"] =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
            Reb.Silo.PlaceholderSecrets.EmulatorAccountKey +
            ";BlobEndpoint=http://storage.plant.example:10000/devstoreaccount1";
        var error = Assert.ThrowsAny<Exception>(() => StartAndStop(settings));
        Assert.Contains("Reb:ArtefactStore:ConnectionString", error.Message);
    }

    [Fact]
    public async Task With_the_bootstrap_secret_deleted_a_silo_configured_like_the_manifests_still_starts()
    {
        var env = SiloEnvironment.Of(Silo);
        var settings = WebSilos.Settings(_work);
        // nothing mounted
        settings["Reb:Gateway:BootstrapAdminKeyFile"] = Path.Combine(_work, "bootstrap", "admin-key");
        settings["Reb:Gateway:BootstrapAdminKeyFileOptional"] = env.Gateway.BootstrapAdminKeyFileOptional.ToString();
        var host = WebSilos.Build(settings);
        try { await host.StartAsync(); }
        finally
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private static void StartAndStop(Dictionary<string, string?> settings)
    {
        using var host = WebSilos.Build(settings);
        host.StartAsync().GetAwaiter().GetResult();
        host.StopAsync().GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }
}
