using System.Text;
using Microsoft.Extensions.Configuration;
using Reb.Grains.Hosting;
using Reb.Silo;

namespace Reb.Cluster.Tests.Deployment;

/// <summary>
/// The environment a silo container of a Deployment gets (envFrom ConfigMaps/Secrets, then env, later entries
/// winning as in Kubernetes), and the options Reb.Silo binds from it.
/// </summary>
public sealed class SiloEnvironment
{
    /// <summary>Stand-in for downward-API values (status.podIP ...), which only exist in a running pod.</summary>
    public const string FieldRefSample = "10.1.2.3";

    public IReadOnlyDictionary<string, string> Variables { get; }
    public IConfiguration Configuration { get; }

    private SiloEnvironment(Dictionary<string, string> variables)
    {
        Variables = variables;
        // The environment-variable configuration provider's rule: "__" separates sections (REB__SILO__SILOPORT is
        // Reb:Silo:SiloPort); keys are case-insensitive.
        // The silo's own appsettings.json comes first, as in Reb.Silo: a setting pinned there applies unless the
        // manifest overrides it.
        Configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Path.GetDirectoryName(K8sManifests.Folder)!, "src", "Reb.Silo",
                "appsettings.json"), optional: false)
            .AddInMemoryCollection(variables.Select(kv =>
                new KeyValuePair<string, string?>(kv.Key.Replace("__", ConfigurationPath.KeyDelimiter), kv.Value)))
            .Build();
    }

    public SiloHostOptions Silo => Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>()
        ?? new SiloHostOptions();
    public global::Reb.Gateway.GatewayOptions Gateway
        => Configuration.GetSection(global::Reb.Gateway.GatewayOptions.Section)
        .Get<global::Reb.Gateway.GatewayOptions>() ?? new global::Reb.Gateway.GatewayOptions();
    public RebOptions Reb => Configuration.GetSection(RebOptions.Section).Get<RebOptions>() ?? new RebOptions();

    public static SiloEnvironment Of(K8sDocument deployment)
    {
        var container = deployment.SiloContainer();
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.Maps("envFrom"))
        {
            if (source.Map("configMapRef")?.Str("name") is { } cm)
                foreach (var kv in ConfigMapData(cm, deployment)) vars[kv.Key] = kv.Value;
            else if (source.Map("secretRef")?.Str("name") is { } secret)
                foreach (var kv in SecretData(secret, deployment)) vars[kv.Key] = kv.Value;
            else
                throw new InvalidDataException($"{deployment}: envFrom entry without configMapRef/secretRef name");
        }
        foreach (var e in container.Maps("env"))
        {
            var name = e.Str("name") ?? throw new InvalidDataException($"{deployment}: env entry without a name");
            var from = e.Map("valueFrom");
            vars[name] = from switch
            {
                null => e.Str("value") ?? "",
                _ when from.Map("fieldRef") != null || from.Map("resourceFieldRef") != null => FieldRefSample,
                _ when from.Map("secretKeyRef") is { } r
                => Lookup(SecretData(r.Str("name")!, deployment), r.Str("key")!, deployment),
                _ when from.Map("configMapKeyRef") is { } r
                => Lookup(ConfigMapData(r.Str("name")!, deployment), r.Str("key")!, deployment),
                _ => throw new InvalidDataException($"{deployment}: env {name} has an unknown valueFrom"),
            };
        }
        return new SiloEnvironment(vars);
    }

    public static IReadOnlyDictionary<string, string> ConfigMapData(string name, K8sDocument referrer) =>
        Find("ConfigMap", name, referrer).Root.StringMap("data");

    /// <summary>stringData and (base64) data of a Secret.</summary>
    public static IReadOnlyDictionary<string, string> SecretData(string name, K8sDocument referrer)
    {
        var secret = Find("Secret", name, referrer).Root;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in secret.StringMap("data"))
            result[kv.Key] = Encoding.UTF8.GetString(Convert.FromBase64String(kv.Value));
        foreach (var kv in secret.StringMap("stringData")) result[kv.Key] = kv.Value;
        return result;
    }

    private static K8sDocument Find(string kind, string name, K8sDocument referrer) =>
        K8sManifests.OfKind(kind).SingleOrDefault(d => d.Name == name)
        ?? throw new InvalidDataException($"{referrer} refers to {kind} '{name}', which no k8s/*.yaml defines");

    private static string Lookup(IReadOnlyDictionary<string, string> data, string key, K8sDocument referrer) =>
        data.TryGetValue(key, out var v) ? v
        : throw new InvalidDataException($"{referrer} refers to missing key '{key}'");
}
