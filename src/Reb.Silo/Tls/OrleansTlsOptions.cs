namespace Reb.Silo.Tls;

/// <summary>
/// Transport security of the Orleans ports (silo-to-silo and client-to-gateway, mutual TLS); section "Reb:Tls".
/// Without it any process that reaches the silo or gateway port joins as an Orleans client and calls every grain,
/// bypassing the HTTP API's keys (e.g. writing an admin key through the key-store grain).
/// </summary>
public sealed class OrleansTlsOptions
{
    public const string Section = "Reb:Tls";

    public const string Auto = "auto", Required = "required", Off = "off";

    /// <summary>
    /// "auto" (default): required, except in the Development environment and with localhost clustering (every socket
    /// on loopback: one machine, the embedded silo of the CLI); "required"; "off" (plaintext, only where the network
    /// itself is trusted).
    /// </summary>
    public string Mode { get; set; } = Auto;

    /// <summary>Certificate file: PKCS#12 (.pfx/.p12, with <see cref="CertificatePassword"/>) or PEM (with <see
    /// cref="CertificateKeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of a PKCS#12 file, or of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key of a PEM <see cref="CertificatePath"/> (empty: the key is in the same file).</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>Alternative to a file: subject of a certificate in the X.509 store (<see cref="StoreName"/>, <see
    /// cref="StoreLocation"/>).</summary>
    public string? CertificateSubject { get; set; }
    public string StoreName { get; set; } = "My";
    public string StoreLocation { get; set; } = "CurrentUser";

    /// <summary>
    /// PEM file of the certificate authorities (or peer certificates) whose certificates silos and clients accept from
    /// each other. Empty: only peers presenting the very same certificate as this process (one cluster certificate,
    /// shared by silos and trusted clients through one Secret). The system's public roots are never trusted: a
    /// certificate some public CA issued for another purpose must not open the cluster.
    /// </summary>
    public string? TrustedCertificatesPath { get; set; }
}
