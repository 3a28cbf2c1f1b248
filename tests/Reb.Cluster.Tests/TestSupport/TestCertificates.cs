using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>Real X.509 certificates made in the test (CertificateRequest): a cluster's certificate, an
/// attacker's.</summary>
public static class TestCertificates
{
    public const string Password = "test-password";

    /// <summary>A self-signed certificate usable for TLS server and client authentication on loopback.</summary>
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var created =
            request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Through PKCS#12 so that the private key is usable by SslStream.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12, Password), Password);
    }

    /// <summary>Writes the certificate with its key as a password-protected .pfx into <paramref
    /// name="folder"/>.</summary>
    public static string WritePfx(X509Certificate2 certificate, string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    public static string TempFolder(string purpose)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"reb-{purpose}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(folder);
        return folder;
    }
}
