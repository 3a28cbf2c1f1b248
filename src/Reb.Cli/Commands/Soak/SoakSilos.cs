using System.Diagnostics;
using System.Security.Cryptography;
using Reb.Silo;

namespace Reb.Cli.Commands.Soak;

/// <summary>
/// The soak run's silos: real Reb.Silo processes on loopback, each with its own ports, model cache and log, joined
/// through Redis membership (any silo may be killed; a localhost cluster dies with its primary silo) and sharing one
/// local artefact folder. Each silo's HTTP gateway serves inspections and its /metrics.
/// </summary>
public sealed class SoakSilos : IAsyncDisposable
{
    public sealed record SiloPorts(int Silo, int Gateway, int Http);

    private readonly SoakSettings _settings;
    private readonly string _work;
    private readonly string _siloDll;
    private readonly Process?[] _processes;

    public SoakSilos(SoakSettings settings, string work)
    {
        _settings = settings;
        _work = work;
        _siloDll = FindSiloDll();
        ClusterId = "soak-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        AdminKey = $"reb_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}_" +
            $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24))}";
        MetricsToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        Ports = Enumerable.Range(0, settings.Silos)
            .Select(_ => new SiloPorts(LoopbackPorts.Next(), LoopbackPorts.Next(), LoopbackPorts.Next())).ToList();
        _processes = new Process?[settings.Silos];
        Directory.CreateDirectory(work);
        var keyFile = Path.Combine(work, "admin-key");
        File.WriteAllText(keyFile, AdminKey);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public string ClusterId { get; }
    public string AdminKey { get; }
    public string MetricsToken { get; }
    public IReadOnlyList<SiloPorts> Ports { get; }
    public string ArtefactRoot => Path.Combine(_work, "artefacts");
    public Uri Http(int silo) => new($"http://127.0.0.1:{Ports[silo].Http}/");
    /// <summary>The process id of silo <paramref name="silo"/>, or null while it is down.</summary>
    public int? Pid(int silo) => _processes[silo] is { HasExited: false } p ? p.Id : null;

    /// <summary>Starts every silo, the first one alone so the others join an existing cluster.</summary>
    public async Task StartAllAsync(CancellationToken ct)
    {
        await StartAsync(0, ct);
        await Task.WhenAll(Enumerable.Range(1, _settings.Silos - 1).Select(i => StartAsync(i, ct)));
    }

    /// <summary>Starts silo <paramref name="silo"/> (again, after a kill: same ports and model cache folder) and waits
    /// until its HTTP gateway answers /healthz.</summary>
    public async Task StartAsync(int silo, CancellationToken ct)
    {
        var dir = Path.Combine(_work, $"silo{silo}");
        Directory.CreateDirectory(dir);
        var p = Ports[silo];
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        start.ArgumentList.Add(_siloDll);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.GetDirectoryName(_siloDll)!);
        var env = new Dictionary<string, string>
        {
            ["REB__SILO__SILOPORT"] = $"{p.Silo}",
            ["REB__SILO__GATEWAYPORT"] = $"{p.Gateway}",
            ["REB__SILO__PRIMARYSILOPORT"] = $"{Ports[0].Silo}",
            ["REB__SILO__CLUSTERID"] = ClusterId,
            ["REB__SILO__SERVICEID"] = ClusterId,
            ["REB__SILO__CLUSTERING"] = "redis",
            ["REB__SILO__GRAINSTORAGE"] = "redis",
            ["REB__SILO__REMINDERS"] = "redis",
            ["REB__SILO__REDISCONNECTIONSTRING"] = _settings.Redis,
            ["REB__SILO__BANKMEMORYMB"] =
                _settings.BankBudgetMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["REB__ARTEFACTSTORE__KIND"] = "local",
            ["REB__ARTEFACTSTORE__ROOT"] = ArtefactRoot,
            ["REB__CACHEROOT"] = Path.Combine(dir, "cache"),
            ["REB__GATEWAY__HTTPPORT"] = $"{p.Http}",
            ["REB__GATEWAY__BOOTSTRAPADMINKEYFILE"] = Path.Combine(_work, "admin-key"),
            ["REB__GATEWAY__METRICSTOKEN"] = MetricsToken,
            // The soak's own clients are the load; the per-key rate limit would refuse them.
            ["REB__GATEWAY__RATELIMITPERMINUTE"] = "1000000",
            ["REB__TLS__MODE"] = "off",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{p.Http}",
        };
        foreach (var (k, v) in env) start.Environment[k] = v;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StreamWriter(Path.Combine(dir, "silo.log"), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } l) lock (log) log.WriteLine(l); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } l) lock (log) log.WriteLine(l); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[silo] = process;
        await WaitHealthyAsync(silo, TimeSpan.FromMinutes(3), ct);
    }

    /// <summary>SIGKILL: a crash, not a graceful stop.</summary>
    public void Kill(int silo)
    {
        if (_processes[silo] is { HasExited: false } p) { p.Kill(); p.WaitForExit(10_000); }
    }

    private async Task WaitHealthyAsync(int silo, TimeSpan limit, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (_processes[silo] is { HasExited: true } p)
                throw new InvalidOperationException($"silo {silo} exited with {p.ExitCode} at start-up; see " +
                    $"{Path.Combine(_work, $"silo{silo}", "silo.log")}");
            try
            {
                if ((await http.GetAsync(new Uri(Http(silo), "healthz"), ct)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"silo {silo} did not answer /healthz within {limit.TotalSeconds:0} s");
            await Task.Delay(500, ct);
        }
    }

    /// <summary>Reb.Silo.dll next to this CLI (it references the silo project), with its runtime
    /// configuration.</summary>
    private static string FindSiloDll()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Reb.Silo.dll");
        if (File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"))) return dll;
        throw new FileNotFoundException("no runnable Reb.Silo.dll (with Reb.Silo.runtimeconfig.json) in " +
            $"{AppContext.BaseDirectory}; build src/Reb.Cli");
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < _processes.Length; i++) Kill(i);
        await Task.CompletedTask;
    }
}
