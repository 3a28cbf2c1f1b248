using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Reb.Cluster.Tests.TestSupport;
using Reb.Silo;
using Reb.Storage;
using Reb.Storage.Inspections;
using Xunit.Abstractions;
using Reb.Grains.Models;

namespace Reb.Cluster.Tests.Failures;

/// <summary>
/// Two silo processes record inspections in one PostgreSQL history; one is killed (SIGKILL) while both are
/// answering inspect requests. Every inspection a client got an answer for, from either silo, is in the history with
/// the score and verdict the client was told: the row is written before the answer, never after.
/// </summary>
[Collection(PcbModelCollection.Name)]
public sealed class HistorySiloKillTests(PcbModelFixture model, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Line = "pcb-history-kill";
    private readonly string _work = Directory.CreateTempSubdirectory("reb-history-kill-").FullName;
    private string _db = "";

    public async Task InitializeAsync() => _db = await PostgresDatabases.CreateAsync();

    public async Task DisposeAsync()
    {
        await PostgresDatabases.DropAsync(_db);
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }

    private sealed record Answer(string Id, float Score, string Verdict);

    [Fact]
    public async Task Every_answered_inspection_is_in_the_postgres_history_after_a_silo_is_killed_mid_load()
    {
        var adminKey = "reb_000000000001_" + Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
        var clusterId = "history-kill-" + Guid.NewGuid().ToString("N")[..8];
        int primary = LoopbackPorts.Next();
        var artefacts = Path.Combine(_work, "artefacts");
        await new LocalFolderArtefactStore(artefacts, ModelDirectoryFormat.Instance).PublishModelAsync(model.ModelDir);
        Dictionary<string, string?> Settings(int siloPort, int httpPort, int n) => new()
        {
            ["Reb:Silo:Clustering"] = "localhost", ["Reb:Silo:ClusterId"] = clusterId,
                ["Reb:Silo:ServiceId"] = clusterId,
            ["Reb:Silo:SiloPort"] = siloPort.ToString(), ["Reb:Silo:PrimarySiloPort"] = primary.ToString(),
            ["Reb:Silo:GatewayPort"] = LoopbackPorts.Next().ToString(), ["Reb:Silo:Reminders"] = "memory",
            ["Reb:Silo:GrainStorage"] = "folder", ["Reb:Silo:GrainStorageFolder"] = Path.Combine(_work, "grain-state"),
            ["Reb:ArtefactStore:Kind"] = "local", ["Reb:ArtefactStore:Root"] = artefacts,
                ["Reb:CacheRoot"] = Path.Combine(_work, $"cache{n}"),
            ["Reb:History:Kind"] = "postgres", ["Reb:History:ConnectionString"] = _db,
                ["Reb:History:SampleAcceptsEvery"] = "1",
            ["Reb:Gateway:HttpPort"] = httpPort.ToString(), ["Reb:Gateway:RateLimitPerMinute"] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var env = new Dictionary<string, string> { ["REB__GATEWAY__BOOTSTRAPADMINKEY"] = adminKey };
        int http1 = LoopbackPorts.Next(), http2 = LoopbackPorts.Next();
        string url1 = $"http://127.0.0.1:{http1}", url2 = $"http://127.0.0.1:{http2}";
        using var silo1 = new SiloProcessHandle(Settings(primary, http1, 1), _work, env);
        await silo1.WaitHealthyAsync(url1, TimeSpan.FromMinutes(3));
        using var silo2 = new SiloProcessHandle(Settings(LoopbackPorts.Next(), http2, 2), _work, env);
        await silo2.WaitHealthyAsync(url2, TimeSpan.FromMinutes(3));

        HttpClient Client(string url) => new()
        {
            BaseAddress = new Uri(url + "/"),
            Timeout = TimeSpan.FromSeconds(120),
            DefaultRequestHeaders = { { "X-Api-Key", adminKey } }
        };
        using (var admin = Client(url1))
        using (var form = new MultipartFormDataContent())
        {
            foreach (var file in Directory.GetFiles(model.ModelDir))
                form.Add(new ByteArrayContent(File.ReadAllBytes(file)), "files", Path.GetFileName(file));
            var published = await admin.PostAsync($"api/lines/{Line}/versions?promote=true", form);
            Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());
        }

        var images = model.TestImages.Select(File.ReadAllBytes).ToList();
        var answered = new ConcurrentBag<(Answer Answer, int Silo, bool AfterKill)>();
        var killed = 0;
        var failures = new ConcurrentQueue<string>();
        async Task<Answer?> InspectAsync(HttpClient c, int i)
        {
            using var body = new ByteArrayContent(images[i % images.Count]);
            body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            try
            {
                var r = await c.PostAsync($"api/lines/{Line}/inspect?name=img-{i}.png", body);
                if (r.IsSuccessStatusCode) return await r.Content.ReadFromJsonAsync<Answer>();
                failures.Enqueue($"{c.BaseAddress}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
                return null;
            }
            // the killed silo's connections: not answered
            catch (HttpRequestException e) { failures.Enqueue($"{c.BaseAddress}: {e.Message}"); return null; }
            catch (TaskCanceledException) { failures.Enqueue($"{c.BaseAddress}: client timeout"); return null; }
        }
        // Warm both silos (model load; a cold cluster may answer 503 + Retry-After first), then load: two clients per
        // silo until silo 1 has answered enough after the kill.
        async Task WarmAsync(string url, int silo)
        {
            using var w = Client(url);
            for (int attempt = 0; attempt < 12; attempt++)
            {
                if (await InspectInto(w, attempt, silo) is not null) return;
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
            Assert.Fail($"silo {silo} answered no inspection: {string.Join("\n", failures)}");
        }
        await WarmAsync(url1, 1);
        await WarmAsync(url2, 2);
        async Task<Answer?> InspectInto(HttpClient c, int i, int silo)
        {
            var a = await InspectAsync(c, i);
            if (a is not null) answered.Add((a, silo, Volatile.Read(ref killed) == 1));
            return a;
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var clients = new List<Task>();
        foreach (var (url, silo) in new[] { (url1, 1), (url1, 1), (url2, 2), (url2, 2) })
            clients.Add(Task.Run(async () =>
            {
                using var c = Client(url);
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    if (silo == 2 && Volatile.Read(ref killed) == 1) return;
                    if (silo == 1 && answered.Count(a => a.AfterKill && a.Silo == 1) >= 4) return;
                    await InspectInto(c, i, silo);
                }
            }));
        while (answered.Count(a => a.Silo == 2) < 4 && !stop.IsCancellationRequested) await Task.Delay(100);
        silo2.Kill();
        Volatile.Write(ref killed, 1);
        output.WriteLine($"silo 2 killed after {answered.Count} answers");
        await Task.WhenAll(clients);

        var byId = answered.Select(a => a.Answer).ToList();
        output.WriteLine($"not answered: {failures.Count}: {string.Join(" | ", failures.Take(10))}");
        output.WriteLine($"answered: {byId.Count} (silo 1: {answered.Count(a => a.Silo == 1)}, silo 2: " +
            $"{answered.Count(a => a.Silo == 2)}, after the kill: {answered.Count(a => a.AfterKill)})");
        Assert.True(answered.Count(a => a.Silo == 2) >= 4, "silo 2 answered too little before it was killed");
        Assert.True(answered.Count(a => a.AfterKill && a.Silo == 1) >= 4,
            "silo 1 did not keep answering after the kill:\n" + silo1.Log);

        using var history = new PostgresInspectionHistory(_db);
        var rows = (await history.QueryAsync(new InspectionQuery(Reb.Abstractions.Contracts.Sites.Default, Line,
            Limit: 100_000))).ToDictionary(r => r.Id);
        var missing = byId.Where(a => !rows.ContainsKey(a.Id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} answered inspections are not in the history: " +
            $"{string.Join(", ", missing.Select(m => m.Id))}");
        foreach (var a in byId)
        {
            Assert.Equal(a.Score, rows[a.Id].Score, 3);
            Assert.Equal(a.Verdict == "reject", rows[a.Id].Reject);
            Assert.NotNull(rows[a.Id].ImageKey); // SampleAcceptsEvery = 1: every image kept
        }
        Assert.True(File.Exists(Path.Combine(artefacts, "blobs", rows[byId[0].Id].ImageKey!)),
            "the stored image is in the shared artefact folder");
    }
}
