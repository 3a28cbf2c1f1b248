using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reb.Abstractions.Grains;
using Reb.Core.Models;
using Reb.Storage;
using Reb.Core.Backbones;
using Reb.Core.Features;
using Reb.Core.Pipeline;
using Reb.Gateway.Access;
using Reb.Silo;
using Reb.Grains.Models;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>
/// A real silo with the real HTTP gateway in this process, exactly as <c>dotnet run --project src/Reb.Silo</c> builds
/// it (<see cref="SiloWebApp.Build"/>): localhost clustering on free ports, memory grain storage, a local folder
/// artefact store, Kestrel on a free port (<see cref="BaseUrl"/>). Started once per test collection.
/// <para>Contents, ready when the fixture is:</para>
/// <list type="bullet">
/// <item>Site <see cref="SiteA"/>: line <see cref="Line"/> ("pcb", current = <see cref="Version"/>, also registered:
/// <see cref="SecondVersion"/>) and line <see cref="ScratchLine"/> (same two versions; for tests that change state:
/// promote, roll back, threshold).</item>
/// <item>Site <see cref="SiteB"/>: line <see cref="OtherSiteLine"/> (current = <see cref="Version"/>).</item>
/// <item>One key per role per site: <see cref="Key"/>(site, role); e.g. <c>fixture.Key(GatewayFixture.SiteA,
/// "operator")</c>.</item> </list>
/// The model is fitted single-process on the repository's DeepPCB sample (<see cref="TrainImages"/> good images at
/// <see cref="ImageSize"/> px) and published to the store; test images: <see cref="GoodImages"/>, <see
/// cref="DefectImages"/>. Use <see cref="Client"/> for an HttpClient that sends a key. Dashboard/browser tests: open
/// <c>$"{BaseUrl}/dashboard/"</c>. </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string SiteA = "site-a";
    public const string SiteB = "site-b";
    public const string Line = "pcb";
    public const string ScratchLine = "pcb-scratch";
    public const string OtherSiteLine = "pcb-b";
    public const int ImageSize = 128;
    public const int TrainImages = 4;
    /// <summary>Requests per minute per key in this fixture (high enough for the suite, low enough to test
    /// 429).</summary>
    public const int RateLimitPerMinute = 300;
    /// <summary>Body limit in this fixture (the sample images are ~10-40 KB).</summary>
    public const long MaxBodyBytes = 2L * 1024 * 1024;
    /// <summary>Pixel limit in this fixture.</summary>
    public const long MaxImagePixels = 4_000_000;
    /// <summary>Scrape token of /metrics in this fixture ("Authorization: Bearer ...").</summary>
    public const string MetricsToken = "fixture-metrics-token-0123456789";
    /// <summary>The fixture gateway's key-record signing secret (records stored without it are refused).</summary>
    public static readonly string KeyRecordSigningKey = DurableGateway.NewSigningKey();
    /// <summary>The cluster-wide operations site (its admin key opens /metrics and the Orleans Dashboard).</summary>
    public const string OperationsSite = "operations";
    /// <summary>Limits of this fixture that the security tests push past (low enough to reach quickly).</summary>
    public const int MaxImagesPerBatch = 10, FailedAuthPerMinute = 50, MaxConcurrentTrainingStarts = 2,
        MaxRunningJobsPerSite = 3,
        MaxEventStreamsPerKey = 2, InspectTimeoutSeconds = 10;

    private IHost? _host;
    private readonly Dictionary<(string Site, string Role), string> _keys = new();

    /// <summary>"http://127.0.0.1:&lt;port&gt;" (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";
    public string Work { get; } = Directory.CreateTempSubdirectory("reb-gateway-tests-").FullName;
    public string ArtefactRoot => Path.Combine(Work, "store");
    /// <summary>The silo's Orleans gateway port and cluster id (service id "reb"): for `reb cluster ...
    /// --gateway`.</summary>
    public int OrleansGatewayPort { get; private set; }
    public string ClusterId { get; private set; } = "";
    /// <summary>The host's services: <see cref="IGrainFactory"/>, <see cref="IArtefactStore"/>, <see
    /// cref="ApiKeyService"/>, ...</summary>
    public IServiceProvider Services => _host!.Services;
    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();
    public IArtefactStore Store => Services.GetRequiredService<IArtefactStore>();
    public string Version { get; private set; } = "";
    public string SecondVersion { get; private set; } = "";
    public IReadOnlyList<string> TrainingImages { get; private set; } = [];
    public IReadOnlyList<string> GoodImages { get; private set; } = [];
    public IReadOnlyList<string> DefectImages { get; private set; } = [];

    /// <summary>Makes chosen grain calls time out after they ran (the reply is "lost"), to test what callers
    /// retry.</summary>
    public LostReplies LostReplies { get; } = new();

    /// <summary>The admin key of <see cref="OperationsSite"/>.</summary>
    public string OperationsKey { get; private set; } = "";

    /// <summary>The key of <paramref name="role"/> ("operator", "engineer", "admin") at <paramref
    /// name="site"/>.</summary>
    public string Key(string site, string role) => _keys[(site, role)];

    /// <summary>A new key of <paramref name="role"/> at <paramref name="site"/>, with its own rate-limit budget: tests
    /// that must not share one with the others (the browser tests: a test that inspected a few hundred parts with the
    /// fixture key left the next one's sign-in a 429).</summary>
    public async Task<string> NewKeyAsync(string site, string role) =>
        (await Services.GetRequiredService<ApiKeyService>()
            .CreateAsync($"{site}-{role}-{Guid.NewGuid():N}"[..40], site, role, "test")).Key;

    /// <summary>A client on <see cref="BaseUrl"/> that sends <paramref name="key"/> as X-Api-Key (none when
    /// null).</summary>
    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task InitializeAsync()
    {
        var repo = RepositoryRoot();
        TrainingImages = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/train/good"), "*.png").Order()
            .Take(TrainImages).ToList();
        GoodImages = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/test/good"), "*.png").Order().Take(3)
            .ToList();
        DefectImages = Directory.GetFiles(Path.Combine(repo, "samples/deeppcb/test/defect"), "*.png").Order().Take(3)
            .ToList();
        (Version, SecondVersion) = await PublishModelsAsync();

        int siloPort = LoopbackPorts.Next(), gatewayPort = LoopbackPorts.Next();
        OrleansGatewayPort = gatewayPort;
        ClusterId = "gateway-tests-" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["Reb:ArtefactStore:Kind"] = "local",
            ["Reb:ArtefactStore:Root"] = ArtefactRoot,
            ["Reb:CacheRoot"] = Path.Combine(Work, "cache"),
            ["Reb:Silo:Clustering"] = "localhost",
            ["Reb:Silo:GrainStorage"] = "memory",
            ["Reb:Silo:Reminders"] = "memory",
            ["Reb:Silo:ClusterId"] = ClusterId,
            ["Reb:Silo:SiloPort"] = siloPort.ToString(),
            ["Reb:Silo:PrimarySiloPort"] = siloPort.ToString(),
            ["Reb:Silo:GatewayPort"] = gatewayPort.ToString(),
            ["Reb:Gateway:Enabled"] = "true",
            ["Reb:Gateway:HttpPort"] = "0",
            ["Reb:Gateway:KeyRecordSigningKey"] = KeyRecordSigningKey,
            ["Reb:Gateway:RateLimitPerMinute"] = RateLimitPerMinute.ToString(),
            ["Reb:Gateway:MaxBodyBytes"] = MaxBodyBytes.ToString(),
            ["Reb:Gateway:MaxImagePixels"] = MaxImagePixels.ToString(),
            ["Reb:Gateway:MetricsToken"] = MetricsToken,
            ["Reb:Gateway:OperationsSite"] = OperationsSite,
            ["Reb:Gateway:MaxImagesPerBatch"] = MaxImagesPerBatch.ToString(),
            ["Reb:Gateway:FailedAuthPerMinute"] = FailedAuthPerMinute.ToString(),
            ["Reb:Gateway:MaxConcurrentTrainingStarts"] = MaxConcurrentTrainingStarts.ToString(),
            ["Reb:Gateway:MaxRunningJobsPerSite"] = MaxRunningJobsPerSite.ToString(),
            ["Reb:Gateway:MaxEventStreamsPerKey"] = MaxEventStreamsPerKey.ToString(),
            ["Reb:Gateway:InspectTimeoutSeconds"] = InspectTimeoutSeconds.ToString(),
            // Every inspection keeps its image in the history (the review tests review accepts too); default is 1 in
            // 20.
            ["Reb:History:SampleAcceptsEvery"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
        _host = SiloWebApp.Build([], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            b.Logging.ClearProviders();
            b.Services.AddSingleton<Orleans.IIncomingGrainCallFilter>(LostReplies);
        });
        ExtraEndpoints.Register(_host);
        await _host.StartAsync();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl =
            $"http://127.0.0.1:{new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port}";

        await AddLineAsync(SiteA, Line);
        await AddLineAsync(SiteA, ScratchLine);
        await AddLineAsync(SiteB, OtherSiteLine);
        var keys = Services.GetRequiredService<ApiKeyService>();
        foreach (var site in new[] { SiteA, SiteB })
            foreach (var role in Roles.All)
                _keys[(site, role)] = (await keys.CreateAsync($"{site}-{role}", site, role, "fixture")).Key;
        OperationsKey = (await keys.CreateAsync("operations-admin", OperationsSite, Roles.Admin, "fixture")).Key;
    }

    /// <summary>A line of <paramref name="site"/> with <see cref="Version"/> current and <see cref="SecondVersion"/>
    /// registered.</summary>
    public async Task AddLineAsync(string site, string line)
    {
        // before registering: otherwise it joins the default site
        await Grains.GetGrain<ILineOperationsGrain>(line).Claim(site);
        var grain = Grains.GetGrain<IProductLineGrain>(line);
        await grain.RegisterVersion(SecondVersion);
        await grain.RegisterVersion(Version, promote: true);
    }

    private async Task<(string, string)> PublishModelsAsync()
    {
        var options = new InspectionOptions { ImageSize = ImageSize };
        var (model, report) =
            ModelFitter.Fit(TrainingImages, new FeatureExtractor(Backbone.LoadDefault(), options.ImageSize), options);
        var store = new LocalFolderArtefactStore(ArtefactRoot, ModelDirectoryFormat.Instance);
        using (model)
        {
            // Another category name gives another content address: a second version of the same model.
            ModelStore.Save(model, report, Line, Path.Combine(Work, "model-a"));
            ModelStore.Save(model, report, Line + "-second", Path.Combine(Work, "model-b"));
        }
        return (await store.PublishModelAsync(Path.Combine(Work, "model-a")),
            await store.PublishModelAsync(Path.Combine(Work, "model-b")));
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RebCluster.sln"))) return dir.FullName;
        throw new InvalidOperationException("RebCluster.sln not found above the test binaries");
    }


    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            try { await _host.StopAsync(TimeSpan.FromSeconds(10)); }
            catch (Exception) { /* a test may have broken the silo */ }
            _host.Dispose();
        }
        try { Directory.Delete(Work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Tests sharing one <see cref="GatewayFixture"/> (one silo + gateway for the whole run).</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "Gateway: silo + HTTP gateway with a trained line";
}
