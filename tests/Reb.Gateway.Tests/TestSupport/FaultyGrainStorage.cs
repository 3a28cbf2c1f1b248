using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;

namespace Reb.Gateway.Tests.TestSupport;

/// <summary>
/// Wraps the silo's real registry grain storage (folder, Redis, Blob: whatever the settings chose) so that chosen
/// writes
/// fail the way a flaky store fails: before the write reaches storage (a refused connection) or after it landed (a
/// time-out whose reply was lost). Everything else goes through to the real provider. Install with
/// <see cref="Install"/> before the host is built.
/// </summary>
public sealed class FaultyGrainStorage
{
    private readonly object _gate = new();
    private string? _stateName;
    private int _failures;
    private bool _afterWrite;

    /// <summary>Writes that failed because of this wrapper so far.</summary>
    public int Injected { get; private set; }

    /// <summary>The next <paramref name="count"/> writes of state <paramref name="stateName"/> fail.</summary>
    /// <param name="afterWrite">true: the write lands in storage, then the caller sees the failure.</param>
    public void FailNextWrites(string stateName, int count = 1, bool afterWrite = false)
    {
        lock (_gate) { _stateName = stateName; _failures = count; _afterWrite = afterWrite; }
    }

    public void Disarm()
    {
        lock (_gate) { _stateName = null; _failures = 0; }
    }

    /// <summary>Replaces the keyed <see cref="IGrainStorage"/> registration <paramref name="name"/> by a wrapper of
    /// it.</summary>
    public void Install(IHostApplicationBuilder builder, string name) =>
        builder.ConfigureContainer(new DecoratingFactory(services => Decorate(services, name)));

    private void Decorate(IServiceCollection services, string name)
    {
        var original = services.Last(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService
            && Equals(d.ServiceKey, name));
        var factory = original.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"grain storage '{name}' is not registered through a factory");
        services.Remove(original);
        services.Add(new ServiceDescriptor(typeof(IGrainStorage), name,
            (sp, key) => new Wrapper(this, (IGrainStorage)factory(sp, key)), original.Lifetime));
    }

    private bool ShouldFail(string stateName, out bool afterWrite)
    {
        lock (_gate)
        {
            afterWrite = _afterWrite;
            if (_failures <= 0 || _stateName != stateName) return false;
            _failures--;
            Injected++;
            return true;
        }
    }

    private sealed class Wrapper(FaultyGrainStorage faults, IGrainStorage inner)
        : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (!faults.ShouldFail(stateName, out var afterWrite))
            {
                await inner.WriteStateAsync(stateName, grainId, grainState);
                return;
            }
            if (afterWrite) await inner.WriteStateAsync(stateName, grainId, grainState);
            throw new TimeoutException($"injected by the test: the write of '{stateName}' of {grainId} timed out" +
                                       (afterWrite ? " after it landed" : ""));
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        // Providers that initialise themselves on silo start (Redis, Blob) must still be initialised.
        public void Participate(ISiloLifecycle lifecycle)
            => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }

    private sealed class DecoratingFactory(Action<IServiceCollection> decorate)
        : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            decorate(services);
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder)
            => containerBuilder.BuildServiceProvider();
    }
}
