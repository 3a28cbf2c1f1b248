using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Reb.Silo;

/// <summary>
/// Runs a silo host as a process and turns failure into a non-zero exit code. Without it a silo whose web host failed
/// to bind (port taken) kept running as a cluster member that serves no API, and a silo that Orleans stopped after a
/// fatal error exited 0: scripts and orchestrators saw nothing wrong.
/// </summary>
public static class SiloProcess
{
    public const int Failed = 1;

    /// <returns>0 after a stop asked for by a signal (SIGTERM, Ctrl+C); <see cref="Failed"/> when start-up failed or
    /// the host stopped on its own (a required service failed, Orleans declared the silo dead).</returns>
    public static async Task<int> RunAsync(IHost host, TextWriter? errors = null, TimeSpan? stopTimeout = null)
    {
        errors ??= Console.Error;
        var stop = stopTimeout ?? TimeSpan.FromSeconds(30);
        var signalled = 0;
        // Registered before the host's own console lifetime: both handlers run; this one only notes the signal.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Volatile.Write(ref signalled, 1));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => Volatile.Write(ref signalled, 1));
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, _ => Volatile.Write(ref signalled, 1));
        try
        {
            await host.StartAsync();
        }
        catch (Exception e)
        {
            await errors.WriteLineAsync($"reb-silo: start-up failed, exiting: {Describe(e)}");
            await StopQuietlyAsync(host, stop);
            return Failed;
        }
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        using (lifetime.ApplicationStopping.Register(() => stopping.TrySetResult())) await stopping.Task;
        await StopQuietlyAsync(host, stop);
        if (Volatile.Read(ref signalled) == 1) return 0;
        await errors.WriteLineAsync(
            "reb-silo: the host stopped without a stop signal (a required service failed); see the log above");
        return Failed;
    }

    private static async Task StopQuietlyAsync(IHost host, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await host.StopAsync(cts.Token); }
        catch (Exception) { /* the failure is reported already; stopping is best effort */ }
    }

    private static string Describe(Exception e)
    {
        var inner = e.GetBaseException();
        return inner == e ? $"{e.GetType().Name}: {e.Message}"
            : $"{e.GetType().Name}: {e.Message} ({inner.GetType().Name}: {inner.Message})";
    }
}
