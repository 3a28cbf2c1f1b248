using System.Diagnostics;
using System.Text;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>
/// A silo as its own process (`dotnet Reb.Silo.dll --key value ...`), so that a test can kill it for real (SIGKILL: no
/// graceful shutdown, no flush). Its output is kept for the failure message.
/// </summary>
public sealed class SiloProcessHandle : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public SiloProcessHandle(IDictionary<string, string?> settings, string workingDirectory,
        IDictionary<string, string>? environment = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Reb.Silo.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = workingDirectory
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings) { start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value ?? ""); }
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Waits until GET /healthz on <paramref name="baseUrl"/> answers 200; fails with the silo's output
    /// otherwise.</summary>
    public async Task WaitHealthyAsync(string baseUrl, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the silo exited with code {_process.ExitCode}:\n{Log}");
            try { if ((await http.GetAsync(baseUrl + "/healthz")).IsSuccessStatusCode) return; }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(500);
        }
        throw new TimeoutException($"the silo did not answer /healthz within {timeout}:\n{Log}");
    }

    /// <summary>SIGKILL: the process ends at once, as when a machine or container dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try { Kill(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
