using Reb.Grains.Placement;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>
/// The Kubernetes manifests (k8s/*.yaml) against the silo host's real configuration: ports, settings names, GPU
/// claims, selectors and references. Nothing runs in a cluster; the manifests are parsed and the options are bound
/// from the environment they give a silo exactly as Reb.Silo binds them.
/// </summary>
public class ManifestTests
{
    private const string GpuResource = "nvidia.com/gpu";

    /// <summary>The silo Deployments (the site may run others, e.g. its Redis).</summary>
    private static IReadOnlyList<K8sDocument> Deployments => K8sManifests.OfKind("Deployment")
        .Where(d => d.PodLabels().GetValueOrDefault("app.kubernetes.io/name") == "reb-silo").ToList();

    [Fact]
    public void EveryDocumentHasApiVersionKindNameAndTheOneNamespace()
    {
        Assert.NotEmpty(K8sManifests.All);
        foreach (var doc in K8sManifests.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(doc.Root.Str("apiVersion")), $"{doc}: no apiVersion");
            Assert.False(string.IsNullOrWhiteSpace(doc.Kind), $"{doc}: no kind");
            Assert.False(string.IsNullOrWhiteSpace(doc.Name), $"{doc}: no metadata.name");
        }
        var ns = Assert.Single(K8sManifests.OfKind("Namespace")).Name;
        foreach (var doc in K8sManifests.All.Where(d => d.Kind != "Namespace"))
            Assert.True(doc.Root.Map("metadata").Str("namespace") == ns, $"{doc}: namespace is not '{ns}'");
        // Names are unique per kind: a duplicate would silently replace the other on apply.
        foreach (var group in K8sManifests.All.GroupBy(d => (d.Kind, d.Name)))
            Assert.True(group.Count() == 1, $"{group.Key.Kind}/{group.Key.Name} is defined {group.Count()} times");
        Assert.True(Deployments.Count >= 2, "expected a CPU and a GPU silo Deployment");
    }

    [Fact]
    public void ContainerPortsAndProbesEqualTheSiloOptionsBoundFromTheManifestEnvironment()
    {
        foreach (var deployment in Deployments)
        {
            var env = SiloEnvironment.Of(deployment);
            var silo = env.Silo;
            var http = env.Gateway;
            Assert.True(http.Enabled, $"{deployment}: the HTTP gateway is disabled, but the probes use it");
            var container = deployment.SiloContainer();
            var ports = container.Maps("ports")
                .ToDictionary(p => p.Str("name") ?? "", p => int.Parse(p.Str("containerPort")!));
            Assert.True(ports.GetValueOrDefault("silo") == silo.SiloPort,
                $"{deployment}: port 'silo' {ports.GetValueOrDefault("silo")} != SiloPort {silo.SiloPort}");
            Assert.True(ports.GetValueOrDefault("gateway") == silo.GatewayPort,
                $"{deployment}: port 'gateway' {ports.GetValueOrDefault("gateway")} != GatewayPort {silo.GatewayPort}");
            Assert.True(ports.GetValueOrDefault("http") == http.HttpPort,
                $"{deployment}: port 'http' {ports.GetValueOrDefault("http")} != Reb:Gateway:HttpPort {http.HttpPort}");
            Assert.Equal(new[] { silo.SiloPort, silo.GatewayPort, http.HttpPort }.Order(), ports.Values.Order());

            // Startup: TCP on the Orleans gateway port (open once the silo joined); then the gateway's HTTP endpoints.
            var startup = container.Map("startupProbe").Map("tcpSocket");
            Assert.True(startup != null, $"{deployment}: startupProbe is not a TCP probe");
            Assert.Equal(silo.GatewayPort, ResolvePort(startup.Str("port"), ports, deployment));
            foreach (var (probe, path) in new[] { ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz") })
            {
                var get = container.Map(probe).Map("httpGet");
                Assert.True(get != null, $"{deployment}: {probe} is not an HTTP probe");
                Assert.Equal(path, get.Str("path"));
                Assert.Equal(http.HttpPort, ResolvePort(get.Str("port"), ports, deployment));
            }
        }
    }

    [Fact]
    public void NoServicePublishesTheOrleansSiloOrGatewayPort()
    {
        // A Service on 30000 let any pod of the cluster connect as an Orleans client and call every grain past the API
        // keys (e.g. write an admin key through the key-store grain). Silos reach each other by pod IP.
        foreach (var service in K8sManifests.OfKind("Service"))
        {
            var selector = service.Root.Map("spec").StringMap("selector");
            foreach (var deployment in Deployments.Where(d => Matches(selector, d.PodLabels())))
            {
                var silo = SiloEnvironment.Of(deployment).Silo;
                var containerPorts = deployment.SiloContainer().Maps("ports")
                    .ToDictionary(p => p.Str("name") ?? "", p => int.Parse(p.Str("containerPort")!));
                foreach (var port in service.Root.Map("spec").Maps("ports"))
                {
                    var target = ResolvePort(port.Str("targetPort") ?? port.Str("port"), containerPorts, deployment);
                    Assert.True(target != silo.GatewayPort && target != silo.SiloPort,
                        $"{service} publishes the Orleans port {target} of {deployment}: any pod could join as an " +
                        "Orleans client");
                }
            }
        }
    }

    [Fact]
    public void HttpServiceTargetsTheHttpPortOfEverySilo()
    {
        var service = Assert.Single(K8sManifests.OfKind("Service"), s => s.Name == "reb-http");
        var selector = service.Root.Map("spec").StringMap("selector");
        Assert.NotEmpty(selector);
        var port = Assert.Single(service.Root.Map("spec").Maps("ports"));
        foreach (var deployment in Deployments)
        {
            Assert.True(Matches(selector, deployment.PodLabels()),
                $"{service} does not select the pods of {deployment}");
            var containerPorts = deployment.SiloContainer().Maps("ports")
                .ToDictionary(p => p.Str("name") ?? "", p => int.Parse(p.Str("containerPort")!));
            Assert.Equal(SiloEnvironment.Of(deployment).Gateway.HttpPort,
                ResolvePort(port.Str("targetPort") ?? port.Str("port"), containerPorts, deployment));
        }
    }

    [Fact]
    public void EveryVariableTheManifestsSetIsARealOption()
    {
        var names = Deployments.SelectMany(d => SiloEnvironment.Of(d).Variables.Keys)
            // ConfigMaps a silo takes as environment (envFrom); others (the Prometheus rules file) hold file contents.
            .Concat(K8sManifests.OfKind("ConfigMap").Where(c => Deployments.Any(d => d.SiloContainer().Maps("envFrom")
                    .Any(e => e.Map("configMapRef").Str("name") == c.Name)))
                .SelectMany(c => c.Root.StringMap("data").Keys))
            // Secrets a silo takes as environment (envFrom); mounted ones (TLS files, the admin key) hold file
            // contents.
            .Concat(Deployments.SelectMany(d => d.SiloContainer().Maps("envFrom")
                .Select(e => e.Map("secretRef").Str("name")).OfType<string>()
                .SelectMany(name => SiloEnvironment.SecretData(name, d).Keys)))
            .Distinct();
        var problems = names.Select(OptionKeys.Problem).OfType<string>().ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void OptionKeyCheckRejectsTyposAndAcceptsRealProperties()
    {
        Assert.Null(OptionKeys.Problem("REB__SILO__SILOPORT"));
        Assert.Null(OptionKeys.Problem("REB__ACCELERATOR"));
        Assert.NotNull(OptionKeys.Problem("REB__SILO__SILPORT"));
        Assert.NotNull(OptionKeys.Problem("REB__ACCELERATORS"));
        Assert.NotNull(OptionKeys.Problem("REB_SILO__SILOPORT"));
        Assert.NotNull(OptionKeys.Problem("REB__SILO"));
    }

    [Fact]
    public void SilosUseSharedClusteringWithTheConnectionStringsTheirProvidersNeed()
    {
        foreach (var deployment in Deployments)
        {
            var silo = SiloEnvironment.Of(deployment).Silo;
            // Pods share no loopback: localhost clustering and memory storage cannot form one cluster across pods.
            // The folder store is not shared either, and not safe for two writers.
            Assert.Contains(silo.Clustering.ToLowerInvariant(), new[] { "azuretable", "redis", "adonet" });
            Assert.Contains(silo.GrainStorage.ToLowerInvariant(), new[] { "azureblob", "redis", "adonet" });
            Assert.Contains(silo.Reminders.ToLowerInvariant(), new[] { "azuretable", "redis" });
            var providers =
                new[] { silo.Clustering, silo.GrainStorage, silo.Reminders }.Select(p => p.ToLowerInvariant()).ToList();
            if (providers.Any(p => p.StartsWith("azure")))
                Assert.False(string.IsNullOrWhiteSpace(silo.AzureStorageConnectionString),
                    $"{deployment}: Azure providers without AzureStorageConnectionString");
            if (providers.Contains("redis"))
                Assert.False(string.IsNullOrWhiteSpace(silo.RedisConnectionString),
                    $"{deployment}: Redis providers without RedisConnectionString");
            if (providers.Contains("adonet"))
                Assert.False(string.IsNullOrWhiteSpace(silo.AdoNetConnectionString),
                    $"{deployment}: ADO.NET providers without AdoNetConnectionString");
        }
    }

    [Fact]
    public void GpuDeploymentsRequestAGpuAndOnlyTheyClaimOne()
    {
        var gpu = Deployments.Where(d => Resources(d, "limits").ContainsKey(GpuResource) || Resources(d, "requests")
            .ContainsKey(GpuResource)).ToList();
        Assert.NotEmpty(gpu);
        foreach (var deployment in Deployments)
        {
            var (device, accelerator) = ResolvedDeviceAndAccelerator(deployment);
            if (!gpu.Contains(deployment))
            {
                Assert.True((device, accelerator) == ("cpu", Accelerators.Cpu),
                    $"{deployment} resolves to {device}/{accelerator} without requesting {GpuResource}");
                continue;
            }
            Assert.True((device, accelerator) == ("cuda", Accelerators.Gpu),
                $"{deployment} requests {GpuResource} but resolves to {device}/{accelerator}");
            // Extended resources must be requested and limited alike.
            var limit = int.Parse(Resources(deployment, "limits").GetValueOrDefault(GpuResource, "0"));
            Assert.True(limit >= 1, $"{deployment}: {GpuResource} limit {limit}");
            if (Resources(deployment, "requests").TryGetValue(GpuResource, out var request))
                Assert.Equal(limit, int.Parse(request));
            var spec = deployment.PodSpec();
            Assert.True(spec.StringMap("nodeSelector").Count > 0, $"{deployment}: no nodeSelector for GPU nodes");
            Assert.Contains(spec.Maps("tolerations"), t => t.Str("key") == GpuResource);
        }
    }

    /// <summary>
    /// The device and accelerator label a silo started from the Deployment's environment (over appsettings.json) would
    /// publish. "cuda" cannot be resolved on this CPU-only machine, so it stands for the device libtorch returns for it
    /// on a GPU node; every other name is resolved as the silo resolves it.
    /// </summary>
    private static (string Device, string Accelerator) ResolvedDeviceAndAccelerator(K8sDocument deployment)
    {
        var options = SiloEnvironment.Of(deployment).Reb;
        var name = options.Device.Trim().ToLowerInvariant();
        var device = name == "cuda" ? TorchSharp.DeviceType.CUDA : global::Reb.Core.ComputeDevice.Resolve(name).type;
        return (device == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu",
            Accelerators.Resolve(device, options.Accelerator));
    }

    [Fact]
    public void DeploymentAndDisruptionBudgetSelectorsMatchThePodLabels()
    {
        var budgets = K8sManifests.OfKind("PodDisruptionBudget").ToList();
        Assert.NotEmpty(budgets);
        foreach (var deployment in Deployments)
        {
            var labels = deployment.PodLabels();
            var own = deployment.Root.Map("spec").Map("selector").StringMap("matchLabels");
            Assert.True(own.Count > 0 && Matches(own, labels), $"{deployment}: selector does not match its pod labels");
            var covering = budgets.Where(b => Matches(b.Root.Map("spec").Map("selector").StringMap("matchLabels"),
                labels)).ToList();
            Assert.True(covering.Count == 1, $"{deployment} is covered by {covering.Count} PodDisruptionBudgets");
        }
        foreach (var budget in budgets)
        {
            var selector = budget.Root.Map("spec").Map("selector").StringMap("matchLabels");
            Assert.True(selector.Count > 0, $"{budget}: empty selector");
            Assert.True(Deployments.Any(d => Matches(selector, d.PodLabels())),
                $"{budget} selects no Deployment's pods");
        }
    }

    [Fact]
    public void ReferencedSecretsAndConfigMapsExist()
    {
        var secrets = K8sManifests.OfKind("Secret").Select(d => d.Name).ToHashSet();
        var configMaps = K8sManifests.OfKind("ConfigMap").Select(d => d.Name).ToHashSet();
        int references = 0;
        foreach (var deployment in Deployments)
        {
            var container = deployment.SiloContainer();
            var refs = container.Maps("envFrom")
                .Select(e => (Secret: e.Map("secretRef").Str("name"), ConfigMap: e.Map("configMapRef").Str("name")))
                .Concat(container.Maps("env").Select(e => e.Map("valueFrom")).Where(v => v != null)
                    .Select(v => (Secret: v.Map("secretKeyRef").Str("name"),
                        ConfigMap: v.Map("configMapKeyRef").Str("name"))))
                .Concat(deployment.PodSpec().Maps("volumes")
                    .Select(v => (Secret: v.Map("secret").Str("secretName"),
                        ConfigMap: v.Map("configMap").Str("name"))));
            foreach (var (secret, configMap) in refs)
            {
                if (secret != null) { references++;
                    Assert.True(secrets.Contains(secret), $"{deployment} refers to missing Secret '{secret}'"); }
                if (configMap != null) { references++; Assert.True(configMaps.Contains(configMap),
                    $"{deployment} refers to missing ConfigMap '{configMap}'"); }
            }
        }
        Assert.True(references > 0,
            "no Deployment refers to a Secret or ConfigMap: where do the connection strings come from?");
    }

    internal static bool Matches(IReadOnlyDictionary<string, string> selector,
        IReadOnlyDictionary<string, string> labels) =>
        selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static IReadOnlyDictionary<string, string> Resources(K8sDocument deployment, string which) =>
        deployment.SiloContainer().Map("resources").StringMap(which);

    /// <summary>A port given as a number or as the name of a container port.</summary>
    internal static int ResolvePort(string? port, IReadOnlyDictionary<string, int> containerPorts,
        K8sDocument deployment) =>
        int.TryParse(port, out var n) ? n
        : port != null && containerPorts.TryGetValue(port, out var named) ? named
        : throw new InvalidDataException($"{deployment}: port '{port}' is neither a number nor a container port name");
}
