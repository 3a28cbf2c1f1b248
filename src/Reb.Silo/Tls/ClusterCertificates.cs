using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reb.Silo.Tls;

/// <summary>Loads the local certificate and decides which remote certificates belong to the cluster.</summary>
public sealed class ClusterCertificates
{
    public X509Certificate2 Local { get; }
    private readonly X509Certificate2Collection _trusted;

    public ClusterCertificates(X509Certificate2 local, X509Certificate2Collection trusted)
    {
        if (!local.HasPrivateKey) throw new ArgumentException(
            $"{OrleansTlsOptions.Section}: the certificate '{local.Subject}' has no private key");
        Local = local;
        _trusted = trusted;
    }

    /// <summary>The configured certificate and trust list; a clear error naming the setting when something is
    /// missing.</summary>
    public static ClusterCertificates Load(OrleansTlsOptions o)
    {
        var local = LoadLocal(o);
        var trusted = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(o.TrustedCertificatesPath))
        {
            if (!File.Exists(o.TrustedCertificatesPath))
                throw new FileNotFoundException($"{OrleansTlsOptions.Section}:TrustedCertificatesPath " +
                    $"'{o.TrustedCertificatesPath}' does not exist", o.TrustedCertificatesPath);
            trusted.ImportFromPemFile(o.TrustedCertificatesPath);
            if (trusted.Count == 0) throw new InvalidDataException($"{OrleansTlsOptions.Section}:" +
                $"TrustedCertificatesPath '{o.TrustedCertificatesPath}' holds no PEM certificate");
        }
        else trusted.Add(X509CertificateLoader.LoadCertificate(local.RawData)); // public part only
        return new ClusterCertificates(local, trusted);
    }

    private static X509Certificate2 LoadLocal(OrleansTlsOptions o)
    {
        if (!string.IsNullOrWhiteSpace(o.CertificatePath))
        {
            if (!File.Exists(o.CertificatePath))
                throw new FileNotFoundException($"{OrleansTlsOptions.Section}:CertificatePath '{o.CertificatePath}' " +
                    "does not exist", o.CertificatePath);
            var ext = Path.GetExtension(o.CertificatePath).ToLowerInvariant();
            if (ext is ".pfx" or ".p12")
                return X509CertificateLoader.LoadPkcs12FromFile(o.CertificatePath, o.CertificatePassword,
                    X509KeyStorageFlags.EphemeralKeySet);
            var keyPath = string.IsNullOrWhiteSpace(o.CertificateKeyPath) ? null : o.CertificateKeyPath;
            var pem = string.IsNullOrEmpty(o.CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(o.CertificatePath, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(o.CertificatePath, o.CertificatePassword, keyPath);
            // A PEM key is ephemeral; re-import through PKCS#12 so SslStream can use it on every platform.
            using (pem) return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        if (!string.IsNullOrWhiteSpace(o.CertificateSubject))
        {
            using var store = new X509Store(Enum.Parse<StoreName>(o.StoreName, true),
                Enum.Parse<StoreLocation>(o.StoreLocation, true));
            store.Open(OpenFlags.ReadOnly);
            var found = store.Certificates.Find(X509FindType.FindBySubjectName, o.CertificateSubject, validOnly: false)
                .Where(c => c.HasPrivateKey).OrderByDescending(c => c.NotAfter).FirstOrDefault();
            return found ?? throw new InvalidOperationException(
                $"{OrleansTlsOptions.Section}:CertificateSubject '{o.CertificateSubject}': no certificate with a " +
                $"private key in {o.StoreLocation}/{o.StoreName}");
        }
        throw new InvalidOperationException(
            $"Orleans TLS is required ({OrleansTlsOptions.Section}:Mode '{o.Mode}' outside Development) but no " +
            "certificate is configured: " +
            $"set {OrleansTlsOptions.Section}:CertificatePath (REB__TLS__CERTIFICATEPATH, a .pfx with " +
            "CertificatePassword or a PEM with CertificateKeyPath) " +
            $"or {OrleansTlsOptions.Section}:CertificateSubject; only on a trusted network set " +
            $"{OrleansTlsOptions.Section}:Mode=off");
    }

    /// <summary>
    /// Accepts a peer whose certificate is one of the trusted ones, or is issued by one of them (custom root trust: the
    /// system's public roots play no part). Host names are not checked: silos address each other by pod IP, and the
    /// trust list is what identifies a cluster member.
    /// </summary>
    public bool IsTrusted(X509Certificate2? remote)
    {
        if (remote is null) return false;
        if (_trusted.Any(t => t.RawData.AsSpan().SequenceEqual(remote.RawData))) return true;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote);
    }

    /// <summary>Fingerprint for log lines.</summary>
    public static string Describe(X509Certificate2 c)
        => $"'{c.Subject}' (SHA-256 {Convert.ToHexString(SHA256.HashData(c.RawData))[..16]})";
}
