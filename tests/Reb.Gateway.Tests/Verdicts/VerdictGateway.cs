using System.Net.Http.Headers;
using System.Net.Http.Json;
using Reb.Abstractions.Grains;
using Reb.Gateway.Lines;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Verdicts;

/// <summary>
/// A silo + HTTP gateway (<see cref="DurableGateway"/>: durable registry, local store) whose bootstrap admin belongs to
/// <see cref="Site"/> and whose "Reb:Verdicts" sends that site's verdicts to the given sinks. Start it again on the
/// same <see cref="Work"/> folder for a restart: registry, store and verdict outbox are all kept there.
/// </summary>
public sealed class VerdictGateway : IAsyncDisposable
{
    public const string MetricsToken = "verdict-tests-metrics-token-0123";
    private readonly DurableGateway _gateway;

    public string Site { get; }
    public string Work { get; }
    public string AdminKey { get; }
    public string BaseUrl => _gateway.BaseUrl;
    public string OutboxFolder => Path.Combine(Work, "verdict-outbox");

    private VerdictGateway(DurableGateway gateway, string site, string work, string adminKey)
    {
        _gateway = gateway;
        Site = site;
        Work = work;
        AdminKey = adminKey;
    }

    /// <summary>Starts the gateway; <paramref name="sinks"/> adds "Reb:Verdicts:Sites:{site}:..." settings (keys after
    /// that prefix, e.g. "Mqtt:Port"; a key starting with "Reb:" is taken as it is).</summary>
    public static async Task<VerdictGateway> StartAsync(string site, string work, string adminKey,
        IDictionary<string, string> sinks)
    {
        var settings = DurableGateway.Settings(work, adminKey);
        settings["Reb:Gateway:DefaultSite"] = site;
        settings["Reb:Gateway:MetricsToken"] = MetricsToken;
        settings["Reb:Verdicts:OutboxFolder"] = Path.Combine(work, "verdict-outbox");
        settings["Reb:Verdicts:RetryMinSeconds"] = "0.2";
        settings["Reb:Verdicts:RetryMaxSeconds"] = "1";
        foreach (var (key, value) in sinks) settings[key.StartsWith("Reb:", StringComparison.Ordinal) ? key
            : $"Reb:Verdicts:Sites:{site}:{key}"] = value;
        return new VerdictGateway(await DurableGateway.Start(settings), site, work, adminKey);
    }

    /// <summary>Lines of <see cref="Site"/> with a real (tiny) model current; fitted once per work folder.</summary>
    public async Task AddLinesAsync(params string[] lines)
    {
        var (version, _) = await TinyModels.PublishTwoAsync(Path.Combine(Work, "store"), Work);
        foreach (var line in lines)
        {
            await _gateway.Grains.GetGrain<ILineOperationsGrain>(line).Claim(Site);
            await _gateway.Grains.GetGrain<IProductLineGrain>(line).RegisterVersion(version, promote: true);
        }
    }

    public HttpClient Client() => _gateway.Client(AdminKey);

    public async Task<Inspection> InspectAsync(HttpClient client, string line, string image)
    {
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(image));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await client.PostAsync(
            $"api/lines/{line}/inspect?name={Uri.EscapeDataString(Path.GetFileName(image))}", content);
        Assert.True(response.IsSuccessStatusCode,
            $"inspect {line} {image}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Inspection>())!;
    }

    /// <summary>The outbox depth of this site's <paramref name="sink"/> as /metrics shows it (null: no such
    /// series).</summary>
    public Task<long?> OutboxDepthAsync(string sink) => MetricAsync("reb_verdicts_outbox_depth", sink);

    /// <summary>The value of metric <paramref name="name"/> for this site's <paramref name="sink"/> on /metrics (null:
    /// no such series).</summary>
    public async Task<long?> MetricAsync(string name, string sink)
    {
        using var client = _gateway.Client(null);
        client.DefaultRequestHeaders.Authorization = new("Bearer", MetricsToken);
        var text = await client.GetStringAsync("metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)
                                                         && l.Contains($"site=\"{Site}\"")
                                                         && l.Contains($"sink=\"{sink}\""));
        return line is null ? null : (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..],
            System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The deeppcb sample's 32 test images (16 good, 16 defective), a `reb cluster demo`-sized run.</summary>
    public static IReadOnlyList<string> DemoImages()
    {
        var root = Path.Combine(GatewayFixture.RepositoryRoot(), "samples/deeppcb/test");
        return Directory.GetFiles(Path.Combine(root, "good"), "*.png").Order()
            .Concat(Directory.GetFiles(Path.Combine(root, "defect"), "*.png").Order()).ToList();
    }

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();
}
