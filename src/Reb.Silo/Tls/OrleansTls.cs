using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Connections.Security;

namespace Reb.Silo.Tls;

/// <summary>Mutual TLS on the Orleans ports, for silos (<see cref="ConfigureSilo"/>) and clients (<see
/// cref="ConfigureClient"/>).</summary>
public static class OrleansTls
{
    public static OrleansTlsOptions Read(IConfiguration configuration) =>
        configuration.GetSection(OrleansTlsOptions.Section).Get<OrleansTlsOptions>() ?? new OrleansTlsOptions();

    /// <summary>Whether this silo must use TLS; see <see cref="OrleansTlsOptions.Mode"/>.</summary>
    public static bool IsRequired(OrleansTlsOptions o, string environmentName, string clustering)
        => o.Mode.ToLowerInvariant() switch
    {
        OrleansTlsOptions.Required => true,
        OrleansTlsOptions.Off => false,
        OrleansTlsOptions.Auto => IsReachableByOtherHosts(environmentName, clustering),
        _ => throw new ArgumentException(
            $"{OrleansTlsOptions.Section}:Mode must be auto, required or off, got '{o.Mode}'"),
    };

    /// <summary>
    /// Whether the cluster is reachable by other machines: localhost clustering binds every Orleans socket to loopback
    /// (no other machine can connect) and Development is a developer's own machine; everything else (pods, several
    /// machines) is. Decides what "auto" TLS and the key-record signing secret require.
    /// </summary>
    public static bool IsReachableByOtherHosts(string environmentName, string clustering) =>
        !string.Equals(environmentName, Environments.Development, StringComparison.OrdinalIgnoreCase)
        && !string.Equals(clustering, "localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>Silo side: TLS on the silo and gateway ports, a certificate demanded from every peer and
    /// client.</summary>
    public static void ConfigureSilo(ISiloBuilder silo, OrleansTlsOptions o)
    {
        var certificates = ClusterCertificates.Load(o);
        silo.UseTls(certificates.Local, tls => Apply(tls, certificates));
    }

    /// <summary>
    /// Client side (the CLI's `--gateway` connection, tools): presents the configured certificate and accepts only a
    /// gateway whose certificate the trust list accepts. Null options or Mode "off": plaintext.
    /// </summary>
    public static void ConfigureClient(IClientBuilder client, OrleansTlsOptions? o)
    {
        if (o is null || string.Equals(o.Mode, OrleansTlsOptions.Off, StringComparison.OrdinalIgnoreCase)) return;
        if (string.IsNullOrWhiteSpace(o.CertificatePath) && string.IsNullOrWhiteSpace(o.CertificateSubject)
            && !string.Equals(o.Mode, OrleansTlsOptions.Required, StringComparison.OrdinalIgnoreCase)) return;
        var certificates = ClusterCertificates.Load(o);
        client.UseTls(certificates.Local, tls => Apply(tls, certificates));
    }

    private static void Apply(TlsOptions tls, ClusterCertificates certificates)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Replaces the default check (which would trust public roots and compare host names) with the cluster's list.
        tls.RemoteCertificateValidation = (certificate, _, _) => certificates.IsTrusted(certificate);
        tls.CheckCertificateRevocation = false;
    }
}
