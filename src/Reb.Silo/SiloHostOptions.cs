namespace Reb.Silo;

/// <summary>How this silo joins its cluster and where it keeps state; section "Reb:Silo".</summary>
public sealed class SiloHostOptions
{
    public const string Section = "Reb:Silo";

    /// <summary>"localhost" (dev: one machine, primary silo on <see cref="PrimarySiloPort"/>), "azuretable", "redis" or
    /// "adonet" (PostgreSQL, <see cref="AdoNetConnectionString"/>).</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>
    /// Grain storage of product-line registries, training jobs, API keys, audit and line ownership: "folder" (default:
    /// the embedded single silo; survives restarts, but its ETag check is not atomic across processes, so never two
    /// silos on one folder), "adonet" (PostgreSQL, <see cref="AdoNetConnectionString"/>), "azureblob" / "redis"
    /// (several silos) or "memory" (only when asked for: everything is lost with the silo, and a line whose ownership
    /// is lost falls to the default site).
    /// </summary>
    public string GrainStorage { get; set; } = "folder";

    /// <summary>Folder of the "folder" grain storage; empty: "grain-state" under the working directory.</summary>
    public string? GrainStorageFolder { get; set; }

    /// <summary>The folder storage's absolute path.</summary>
    public string ResolvedGrainStorageFolder
        => Path.GetFullPath(string.IsNullOrWhiteSpace(GrainStorageFolder) ? "grain-state" : GrainStorageFolder);

    /// <summary>"memory" (dev) or "azuretable" / "redis" reminders (training jobs resume through them).</summary>
    public string Reminders { get; set; } = "memory";

    public string ClusterId { get; set; } = "reb-dev";
    public string ServiceId { get; set; } = "reb";
    /// <summary>Address this silo advertises (azuretable/redis clustering); empty = loopback (one machine). In a pod:
    /// the pod IP.</summary>
    public string? AdvertisedIPAddress { get; set; }
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;
    /// <summary>Localhost clustering: the silo port of the primary silo every other silo joins.</summary>
    public int PrimarySiloPort { get; set; } = 11111;

    /// <summary>
    /// Seconds a membership probe of another silo may take (Orleans' default: 5). With <see cref="MissedProbesLimit"/>
    /// it sets how soon a killed silo is declared dead, and until then calls to its grains wait: a LAN answers a probe
    /// in milliseconds, so 3 s x 3 declares a lost silo in about 10 s instead of 15-25 s (not lower: a silo paused by
    /// garbage collection on a loaded machine must not be voted out; Orleans also lengthens the timeout while the
    /// probing silo itself is overloaded).
    /// </summary>
    public double ProbeTimeoutSeconds { get; set; } = 3;

    /// <summary>Probes in a row a silo may miss before its prober votes it dead (Orleans' default, 3).</summary>
    public int MissedProbesLimit { get; set; } = 3;

    /// <summary>Azure Storage connection string (Table clustering/reminders, Blob grain storage); Azurite's
    /// works.</summary>
    public string? AzureStorageConnectionString { get; set; }
    /// <summary>Redis configuration string, e.g. "localhost:6379".</summary>
    public string? RedisConnectionString { get; set; }
    /// <summary>PostgreSQL connection string of the "adonet" clustering and grain storage (Npgsql), e.g.
    /// "Host=127.0.0.1;Port=5433;Username=reb;Database=reb"; the silo applies the tables it needs at
    /// start-up.</summary>
    public string? AdoNetConnectionString { get; set; }
}
