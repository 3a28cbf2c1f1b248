using Reb.Cluster.Tests.TestSupport;
using Reb.Silo.Tls;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>When Orleans TLS is required and when a silo refuses to start without a certificate.</summary>
public class TlsConfigurationTests
{
    [Theory]
    [InlineData("auto", "Production", "redis", true)]
    [InlineData("auto", "Production", "azuretable", true)]
    [InlineData("auto", "Staging", "redis", true)]
    [InlineData("auto", "Development", "redis", false)]
    [InlineData("auto", "Production", "localhost", false)]
    [InlineData("required", "Development", "localhost", true)]
    [InlineData("off", "Production", "redis", false)]
    public void Tls_is_on_by_default_outside_development_and_loopback(string mode, string environment,
        string clustering, bool required) =>
        Assert.Equal(required, OrleansTls.IsRequired(new OrleansTlsOptions { Mode = mode }, environment, clustering));

    [Fact]
    public async Task A_silo_that_requires_tls_without_a_certificate_refuses_to_start_and_names_the_setting()
    {
        var settings = SiloHosts.Localhost("tls-missing");
        settings["Reb:Tls:Mode"] = "required";
        settings["Reb:Silo:GrainStorage"] = "memory";
        var error = await Assert.ThrowsAnyAsync<Exception>(() => SiloHosts.StartSiloAsync(settings));
        Assert.Contains("Reb:Tls:CertificatePath", error.GetBaseException().Message + error.Message);
    }

    [Fact]
    public void Unknown_mode_is_refused() =>
        Assert.Throws<ArgumentException>(() => OrleansTls.IsRequired(new OrleansTlsOptions { Mode = "sometimes" },
            "Production", "redis"));
}
