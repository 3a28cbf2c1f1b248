using System.Diagnostics;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Reb.Cluster.Tests.TestSupport;
using Reb.Core.Models;
using Reb.Storage;

namespace Reb.Cluster.Tests.Storage;

/// <summary>
/// Real Azurite behind a transport that fails, breaks or stalls chosen requests: the store must retry what is
/// transient, fail fast and clearly during an outage, recover after it, and never hand out corrupt or partial data.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobFaultInjectionTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"reb-fault-test-{Guid.NewGuid():N}");
    private readonly FaultInjectingHandler _faults = new();

    private AzureBlobArtefactStore NewStore(ArtefactStoreResilienceOptions resilience) =>
        new(azurite.NewContainer(_faults), Reb.Grains.Models.ModelDirectoryFormat.Instance,
            AzureBlobArtefactStoreTests.TestOptions with { Resilience = resilience });

    private string NewModel(int seed, int corePatches = 256)
    {
        var dir = Path.Combine(_work, "src", $"m{seed}");
        TestModels.Write(dir, seed, corePatches, 32); // core.f32 = 32 KiB = 2+ blocks
        return dir;
    }

    private static bool IsRangeRead(HttpRequestMessage r) => r.Method == HttpMethod.Get
        && r.Headers.Contains("x-ms-range");

    private static void AssertSameFiles(string expected, string actual)
    {
        var e = TestModels.Fingerprint(expected);
        var a = TestModels.Fingerprint(actual);
        Assert.Equal(e.Count, a.Count);
        foreach (var (name, entry) in e) Assert.Equal(entry, a[name]);
    }

    [Fact]
    public async Task Transient_failures_are_retried_and_the_model_arrives_bit_identical()
    {
        var store = NewStore(new ArtefactStoreResilienceOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(5),
            MaxRetryAttempts = 4,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(50),
            FailureRatio = 0.7, // a third of all calls fail here: that is weather, not an outage
            MinimumThroughput = 10,
            SamplingDuration = TimeSpan.FromSeconds(5),
            BreakDuration = TimeSpan.FromSeconds(1),
        });
        // Every third request fails, cycling through the kinds of failure; reads may also break mid-body.
        _faults.Schedule = (request, n) => (n % 3) switch
        {
            0 when IsRangeRead(request) && n % 2 == 0 => Fault.ResetMidBody,
            0 => (n / 3 % 2) == 0 ? Fault.ServerBusy : Fault.ConnectionReset,
            _ => Fault.None,
        };

        var src = NewModel(41);
        var version = await store.PublishModelAsync(src);
        var dir = await store.FetchModelAsync(version, Path.Combine(_work, "cache"));
        AssertSameFiles(src, dir);

        var payload = new byte[40_000];
        new Random(41).NextBytes(payload);
        await store.PutAsync("ckpt/state.bin", new MemoryStream(payload));
        await using (var s = (await store.GetAsync("ckpt/state.bin"))!)
        {
            var back = new MemoryStream();
            await s.CopyToAsync(back);
            Assert.Equal(payload, back.ToArray());
        }

        Assert.True(_faults.Injected >= 8, $"only {_faults.Injected} faults were injected");
        Assert.Equal(CircuitState.Closed, store.CircuitState);
    }

    [Fact]
    public async Task A_sustained_outage_opens_the_circuit_calls_fail_fast_and_recover_after_it()
    {
        var breakDuration = TimeSpan.FromMilliseconds(700);
        var store = NewStore(new ArtefactStoreResilienceOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(5),
            MaxRetryAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
            FailureRatio = 0.5,
            MinimumThroughput = 4,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = breakDuration,
        });
        var src = NewModel(42);
        var version = await store.PublishModelAsync(src);

        _faults.Schedule = (_, _) => Fault.ServerBusy; // the store is down
        var first = await Assert.ThrowsAsync<ArtefactStoreUnavailableException>(() => store.ExistsAsync(version));
        Assert.Contains("unreachable", first.Message);
        Assert.Contains("HTTP 503", first.Message);
        for (var i = 0; i < 5 && store.CircuitState != CircuitState.Open; i++)
            await Assert.ThrowsAsync<ArtefactStoreUnavailableException>(() => store.ExistsAsync(version));
        Assert.Equal(CircuitState.Open, store.CircuitState);

        // Open: no request leaves the process, the answer is immediate and says when the store is tried again.
        var sent = _faults.Requests;
        var clock = Stopwatch.StartNew();
        var fast = await Assert.ThrowsAsync<ArtefactStoreUnavailableException>(() => store.FetchModelAsync(version,
            Path.Combine(_work, "cache")));
        clock.Stop();
        Assert.Equal(sent, _faults.Requests);
        Assert.True(clock.ElapsedMilliseconds < 200,
            $"an open circuit took {clock.ElapsedMilliseconds} ms to refuse a call");
        Assert.Contains("circuit breaker is open", fast.Message);
        Assert.Contains(store.Description, fast.Message);
        Assert.NotNull(fast.RetryAtUtc);
        Assert.IsAssignableFrom<BrokenCircuitException>(fast.InnerException);
        Assert.False(Directory.Exists(Path.Combine(_work, "cache", version)));

        // The outage ends; after the break the next call is the trial that closes the circuit.
        _faults.Schedule = (_, _) => Fault.None;
        var wait = fast.RetryAtUtc!.Value - DateTimeOffset.UtcNow;
        await Task.Delay(wait > TimeSpan.Zero ? wait + TimeSpan.FromMilliseconds(50) : TimeSpan.FromMilliseconds(50));
        Assert.True(await store.ExistsAsync(version));
        Assert.Equal(CircuitState.Closed, store.CircuitState);
        AssertSameFiles(src, await store.FetchModelAsync(version, Path.Combine(_work, "cache")));
    }

    [Fact]
    public async Task A_hanging_call_times_out_and_is_retried_and_a_store_that_never_answers_gives_a_clear_error()
    {
        var attemptTimeout = TimeSpan.FromMilliseconds(300);
        var store = NewStore(new ArtefactStoreResilienceOptions
        {
            AttemptTimeout = attemptTimeout,
            MaxRetryAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
            MinimumThroughput = 100, // keep the breaker out of this test
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = TimeSpan.FromSeconds(1),
        });
        var src = NewModel(43);
        var version = await store.PublishModelAsync(src);

        // The first range read of core.f32 stalls forever: the attempt is abandoned and the range read again.
        var hung = 0;
        _faults.Schedule = (request, _) =>
            IsRangeRead(request) && request.RequestUri!.AbsolutePath.EndsWith(ModelDirectory.CoreFile)
            && Interlocked.Exchange(ref hung, 1) == 0
                ? Fault.Hang : Fault.None;
        var clock = Stopwatch.StartNew();
        var dir = await store.FetchModelAsync(version, Path.Combine(_work, "cache"));
        clock.Stop();
        Assert.Equal(1, _faults.Injected);
        Assert.InRange(clock.Elapsed, attemptTimeout, TimeSpan.FromSeconds(5));
        AssertSameFiles(src, dir);

        // Nothing answers at all: bounded by attempts x timeout, with a message that says so.
        _faults.Schedule = (_, _) => Fault.Hang;
        clock.Restart();
        var e = await Assert.ThrowsAsync<ArtefactStoreUnavailableException>(() => store.ExistsAsync(version));
        clock.Stop();
        Assert.IsType<TimeoutRejectedException>(e.InnerException);
        Assert.Contains("failed after 3 attempt(s)", e.Message);
        Assert.Contains("timeout", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(clock.Elapsed, 3 * attemptTimeout, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_interrupted_publish_leaves_no_visible_version_and_a_second_publish_completes_it()
    {
        var store = NewStore(new ArtefactStoreResilienceOptions
        {
            AttemptTimeout = TimeSpan.FromSeconds(5),
            MaxRetryAttempts = 1,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MinimumThroughput = 100,
            SamplingDuration = TimeSpan.FromSeconds(10),
        });
        var src = NewModel(44);
        var version = ModelDirectory.ReadManifest(src).Version;

        // Every write of density.f32 fails: the publish gives up after its retries, before model.json.
        _faults.Schedule = (request, _) =>
            request.Method == HttpMethod.Put && request.RequestUri!.AbsolutePath.EndsWith(ModelDirectory.DensityFile)
            ? Fault.ConnectionReset : Fault.None;
        await Assert.ThrowsAsync<ArtefactStoreUnavailableException>(() => store.PublishModelAsync(src));
        Assert.False(await store.ExistsAsync(version));
        Assert.Empty(await store.ListModelsAsync());
        await Assert.ThrowsAsync<ModelNotFoundException>(() => store.FetchModelAsync(version,
            Path.Combine(_work, "cache")));

        _faults.Schedule = (_, _) => Fault.None;
        Assert.Equal(version, await store.PublishModelAsync(src));
        AssertSameFiles(src, await store.FetchModelAsync(version, Path.Combine(_work, "cache")));
    }

    public void Dispose()
    {
        _faults.Dispose();
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }
}
