using Reb.Storage;
using System.CommandLine;
using Reb.Grains.Hosting;
using Reb.Silo.Tls;

namespace Reb.Cli.Commands.Cluster;

/// <summary>How a `reb cluster` command reaches a cluster: a gateway of a running one, or an embedded in-process
/// silo.</summary>
public sealed class ClusterConnectionOptions
{
    public readonly Option<string?> Gateway = new("--gateway") { Description =
        "host:port of a running cluster's gateway (default: an embedded in-process silo)" };
    public readonly Option<bool> Embedded = new("--embedded") { Description =
        "start an in-process silo for this command (the default when no --gateway is given)" };
    public readonly Option<DirectoryInfo> Artefacts = new("--artefacts")
    {
        Description = "local artefact store folder (embedded silo; with --gateway: the folder the silos share)",
        DefaultValueFactory = _ => new DirectoryInfo("artefacts")
    };
    public readonly Option<string?> BlobConnection = new("--blob-connection") { Description =
        "use this Azure Blob (or Azurite) connection string as artefact store instead of --artefacts" };
    public readonly Option<string> BlobContainer = new("--blob-container")
    {
        Description = "Azure Blob container of the artefact store",
        DefaultValueFactory = _ => "reb-artefacts"
    };
    public readonly Option<string> ClusterId = new("--cluster-id")
    {
        Description = "cluster id of the gateway's cluster",
        DefaultValueFactory = _ => "reb-dev"
    };
    public readonly Option<string> ServiceId = new("--service-id")
    {
        Description = "service id of the gateway's cluster",
        DefaultValueFactory = _ => "reb"
    };
    // Orleans TLS (Reb:Tls of the silos): the client presents a certificate the cluster trusts. The password is never
    // an option (a command line is visible to every local user in `ps`): it comes from REB__TLS__CERTIFICATEPASSWORD.
    public readonly Option<FileInfo?> TlsCertificate =
        new("--tls-cert") { Description = "client certificate for a cluster with Orleans TLS: .pfx (password in " +
        "REB__TLS__CERTIFICATEPASSWORD) or PEM (key in --tls-key); default REB__TLS__CERTIFICATEPATH" };
    public readonly Option<FileInfo?> TlsKey = new("--tls-key") { Description = "PEM private key of --tls-cert" };
    public readonly Option<FileInfo?> TlsTrust = new("--tls-trust") { Description = "PEM certificates the gateway's " +
        "certificate must be, or be issued by (default: the client certificate itself)" };

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { Gateway, Embedded, Artefacts, BlobConnection, BlobContainer, ClusterId,
            ServiceId, TlsCertificate, TlsKey, TlsTrust }) c.Options.Add(o);
    }

    public ArtefactStoreSettings Store(ParseResult r) => r.GetValue(BlobConnection) is { Length: > 0 } conn
        ? new ArtefactStoreSettings
        {
            Kind = ArtefactStoreSettings.AzureBlob,
            ConnectionString = conn,
            Container = r.GetValue(BlobContainer)!
        }
        : new ArtefactStoreSettings { Kind = ArtefactStoreSettings.Local, Root = r.GetValue(Artefacts)!.FullName };

    public Task<ClusterSession> ConnectAsync(ParseResult r, CancellationToken ct)
    {
        var gateway = r.GetValue(Gateway);
        if (gateway is not null && r.GetValue(Embedded))
            throw new ArgumentException(
                "--gateway and --embedded exclude each other: use a running cluster or an in-process one");
        return gateway is null
            ? ClusterSession.StartEmbeddedAsync(Store(r), ct)
            : ClusterSession.ConnectAsync(gateway, r.GetValue(ClusterId)!, r.GetValue(ServiceId)!, Store(r), ct,
                Tls(r));
    }

    /// <summary>Client TLS from the options, else from REB__TLS__* variables; null = plaintext.</summary>
    public OrleansTlsOptions? Tls(ParseResult r)
    {
        string? Env(string name)
            => Environment.GetEnvironmentVariable("REB__TLS__" + name) is { Length: > 0 } v ? v : null;
        var certificate = r.GetValue(TlsCertificate)?.FullName ?? Env("CERTIFICATEPATH");
        if (certificate is null) return null;
        return new OrleansTlsOptions
        {
            Mode = OrleansTlsOptions.Required,
            CertificatePath = certificate,
            CertificateKeyPath = r.GetValue(TlsKey)?.FullName ?? Env("CERTIFICATEKEYPATH"),
            CertificatePassword = Env("CERTIFICATEPASSWORD"),
            TrustedCertificatesPath = r.GetValue(TlsTrust)?.FullName ?? Env("TRUSTEDCERTIFICATESPATH"),
        };
    }
}
