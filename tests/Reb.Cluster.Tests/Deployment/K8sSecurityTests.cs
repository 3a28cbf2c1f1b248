using Microsoft.Extensions.Configuration;
using Reb.Silo.Tls;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>
/// The site's manifests (k8s/overlays/plant-1 over k8s/base) against the exploits of the Orleans ports and the option
/// classes the silos bind: NetworkPolicy, Orleans TLS certificate, first admin key, Redis password, probe timeouts.
/// </summary>
public class K8sSecurityTests
{
    private static IReadOnlyList<K8sDocument> Deployments => K8sManifests.OfKind("Deployment")
        .Where(d => d.PodLabels().GetValueOrDefault("app.kubernetes.io/name") == "reb-silo").ToList();

    [Fact]
    public void Every_manifest_file_is_part_of_a_kustomization_and_base_and_overlay_compose()
    {
        var listed = K8sManifests.ListedFiles(Path.Combine(K8sManifests.Folder, K8sManifests.ExampleOverlay));
        var orphans = Directory.GetFiles(K8sManifests.Folder, "*.yaml", SearchOption.AllDirectories)
            .Select(Path.GetFullPath).Where(f => !listed.Contains(f)).Select(K8sManifests.Relative).ToList();
        Assert.True(orphans.Count == 0,
            "not listed by the example overlay's kustomizations: " + string.Join(", ", orphans));
        Assert.NotEmpty(K8sManifests.Kustomize(Path.Combine(K8sManifests.Folder, "base")));
        Assert.True(Deployments.Count >= 2);
    }

    [Fact]
    public void Orleans_ports_admit_only_silo_pods_and_the_http_port_stays_open()
    {
        foreach (var deployment in Deployments)
        {
            var env = SiloEnvironment.Of(deployment);
            var ports = deployment.SiloContainer().Maps("ports")
                .ToDictionary(p => p.Str("name") ?? "", p => int.Parse(p.Str("containerPort")!));
            var policies = K8sManifests.OfKind("NetworkPolicy")
                .Where(p => ManifestTests.Matches(p.Root.Map("spec").Map("podSelector").StringMap("matchLabels"),
                    deployment.PodLabels())).ToList();
            Assert.True(policies.Count > 0,
                $"no NetworkPolicy selects the pods of {deployment}: every pod may connect to the Orleans ports");
            foreach (var policy in policies)
                Assert.Contains("Ingress", policy.Root.Map("spec")!["policyTypes"] as IEnumerable<object> ?? []);

            // Every rule that admits an Orleans port must admit silo pods only (same namespace, no
            // ipBlock/namespaceSelector).
            var rules = policies.SelectMany(p => p.Root.Map("spec").Maps("ingress")).ToList();
            foreach (var orleansPort in new[] { env.Silo.SiloPort, env.Silo.GatewayPort })
            {
                var admitting = rules.Where(r => !r.Maps("ports").Any() || r.Maps("ports")
                    .Any(p => ManifestTests.ResolvePort(p.Str("port"), ports, deployment) == orleansPort)).ToList();
                Assert.True(admitting.Count > 0,
                    $"{deployment}: no rule admits the silos to port {orleansPort}; the cluster could not form");
                foreach (var rule in admitting)
                {
                    var from = rule.Maps("from").ToList();
                    Assert.True(from.Count > 0, $"{deployment}: port {orleansPort} is admitted from anywhere");
                    foreach (var peer in from)
                    {
                        Assert.True(peer.Map("ipBlock") is null && peer.Map("namespaceSelector") is null,
                            $"{deployment}: port {orleansPort} admits an ipBlock/namespaceSelector");
                        var selector = peer.Map("podSelector").StringMap("matchLabels");
                        Assert.True(selector.Count > 0
                            && Deployments.Any(d => ManifestTests.Matches(selector, d.PodLabels())),
                            $"{deployment}: port {orleansPort} admits pods that are not silos");
                        Assert.True(K8sManifests.OfKind("Deployment")
                            .Where(d => ManifestTests.Matches(selector, d.PodLabels())).All(Deployments.Contains),
                            $"{deployment}: port {orleansPort} admits a non-silo Deployment");
                    }
                }
            }
            Assert.Contains(rules, r => r.Maps("ports")
                .Any(p => ManifestTests.ResolvePort(p.Str("port"), ports, deployment) == env.Gateway.HttpPort));
        }
    }

    [Fact]
    public void Silos_require_orleans_tls_with_the_certificate_and_trust_list_mounted_from_a_secret()
    {
        foreach (var deployment in Deployments)
        {
            var env = SiloEnvironment.Of(deployment);
            var tls = env.Configuration.GetSection(OrleansTlsOptions.Section).Get<OrleansTlsOptions>()
                ?? new OrleansTlsOptions();
            Assert.True(OrleansTls.IsRequired(tls, "Production", env.Silo.Clustering),
                $"{deployment}: Orleans TLS is not required");
            Assert.True(OrleansTls.IsRequired(tls, "Development", env.Silo.Clustering),
                $"{deployment}: Orleans TLS would switch off in Development");
            foreach (var (path, what) in new[]
            {
                (tls.CertificatePath, "CertificatePath"),
                (tls.CertificateKeyPath, "CertificateKeyPath"),
                (tls.TrustedCertificatesPath, "TrustedCertificatesPath")
            })
            {
                Assert.False(string.IsNullOrWhiteSpace(path), $"{deployment}: Reb:Tls:{what} is not set");
                var secret = SecretFileOf(deployment, path!);
                Assert.True(secret.Str("type") is "kubernetes.io/tls" || secret.Map("stringData") != null,
                    $"{deployment}: {what}");
            }
        }
    }

    [Fact]
    public void First_admin_key_comes_from_a_mounted_secret_file_not_the_command_line()
    {
        foreach (var deployment in Deployments)
        {
            var gateway = SiloEnvironment.Of(deployment).Gateway;
            Assert.True(string.IsNullOrEmpty(gateway.BootstrapAdminKey),
                $"{deployment}: the admin key is set as a value");
            Assert.False(string.IsNullOrWhiteSpace(gateway.BootstrapAdminKeyFile),
                $"{deployment}: no Reb:Gateway:BootstrapAdminKeyFile, no way to create the first admin key");
            // Optional: the Secret is deleted once real keys exist, and the next roll-out must still start.
            SecretFileOf(deployment, gateway.BootstrapAdminKeyFile!, optional: true);
            Assert.True(gateway.BootstrapAdminKeyFileOptional,
                $"{deployment}: a deleted bootstrap Secret would stop the silo");
            var args = deployment.SiloContainer().TryGetValue("args", out var a)
                && a is IEnumerable<object> list ? list.OfType<string>() : [];
            Assert.DoesNotContain(args, x => x.Contains("Bootstrap", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void Redis_requires_the_password_the_silos_connect_with()
    {
        var redis = Assert.Single(K8sManifests.OfKind("Deployment"), d => d.Name == "reb-redis");
        var container = redis.SiloContainer();
        var args = string.Join(' ', (container["args"] as IEnumerable<object> ?? []).OfType<string>());
        Assert.Contains("--requirepass $(REDIS_PASSWORD)", args);
        var secretRef = container.Maps("env").Single(e => e.Str("name") == "REDIS_PASSWORD").Map("valueFrom")
            .Map("secretKeyRef")!;
        var password = SiloEnvironment.SecretData(secretRef.Str("name")!, redis)[secretRef.Str("key")!];
        Assert.False(string.IsNullOrWhiteSpace(password));
        foreach (var deployment in Deployments)
        {
            var silo = SiloEnvironment.Of(deployment).Silo;
            var options = StackExchange.Redis.ConfigurationOptions.Parse(silo.RedisConnectionString!);
            Assert.Equal(password, options.Password);
        }
        var policy = Assert.Single(K8sManifests.OfKind("NetworkPolicy"), p => ManifestTests.Matches(p.Root.Map("spec")
            .Map("podSelector").StringMap("matchLabels"), redis.PodLabels()));
        Assert.All(policy.Root.Map("spec").Maps("ingress"), r => Assert.NotEmpty(r.Maps("from")));
    }

    [Fact]
    public void Every_probe_sets_a_timeout()
    {
        foreach (var deployment in K8sManifests.OfKind("Deployment"))
            foreach (var container in deployment.PodSpec().Maps("containers"))
                foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                    if (container.Map(probe) is { } p)
                        Assert.True(int.TryParse(p.Str("timeoutSeconds"), out var t) && t >= 2, $"{deployment} " +
                            $"{probe}: timeoutSeconds missing or below 2 s (the default 1 s fails a busy silo)");
    }

    /// <summary>The Secret a file path of the container comes from: a volumeMount of a secret volume, and the key
    /// exists.</summary>
    private static IDictionary<object, object> SecretFileOf(K8sDocument deployment, string path, bool optional = false)
    {
        var mount = deployment.SiloContainer().Maps("volumeMounts")
            .SingleOrDefault(m => path.StartsWith(m.Str("mountPath")!.TrimEnd('/') + "/"))
            ?? throw new Xunit.Sdk.XunitException($"{deployment}: '{path}' is under no volumeMount");
        var volume = deployment.PodSpec().Maps("volumes").Single(v => v.Str("name") == mount.Str("name"));
        var secretName = volume.Map("secret").Str("secretName")
            ?? throw new Xunit.Sdk.XunitException($"{deployment}: '{path}' is not mounted from a Secret");
        var file = path[(mount.Str("mountPath")!.TrimEnd('/').Length + 1)..];
        var items = volume.Map("secret").Maps("items").ToList();
        var key = items.Count == 0 ? file : items.Single(i => i.Str("path") == file).Str("key")!;
        Assert.Contains(key, SiloEnvironment.SecretData(secretName, deployment).Keys);
        Assert.Equal(optional, volume.Map("secret").Str("optional") == "true");
        return K8sManifests.OfKind("Secret").Single(s => s.Name == secretName).Root;
    }
}
