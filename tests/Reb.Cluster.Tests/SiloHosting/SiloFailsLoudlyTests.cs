using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Reb.Cluster.Tests.TestSupport;
using Reb.Silo;

namespace Reb.Cluster.Tests.SiloHosting;

/// <summary>
/// A silo whose web host cannot bind its HTTP port exits non-zero and leaves the cluster. Before, the silo stayed a
/// member serving no API ("Failed to bind to address ... address already in use") and nothing said so.
/// </summary>
public sealed class SiloFailsLoudlyTests : IDisposable
{
    private readonly string _work = TestCertificates.TempFolder("loud");

    [Fact]
    public async Task Occupied_http_port_makes_the_silo_host_fail_with_a_non_zero_code_and_release_its_orleans_ports()
    {
        using var occupier = Occupy(out var port);
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:HttpPort"] = port.ToString();
        var siloPort = int.Parse(settings["Reb:Silo:SiloPort"]!);
        var errors = new StringWriter();
        using var host = WebSilos.Build(settings);

        var run = SiloProcess.RunAsync(host, errors, TimeSpan.FromSeconds(20));
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(90)));
        Assert.True(finished == run, "the silo host kept running although its HTTP port was taken");
        Assert.Equal(SiloProcess.Failed, await run);
        Assert.Contains("start-up failed", errors.ToString());
        // The Orleans side stopped too: its silo port is free again (it would still be a member otherwise).
        using var probe = new TcpListener(IPAddress.Loopback, siloPort);
        probe.Start();
    }

    [Fact]
    public async Task The_silo_process_exits_non_zero_when_its_http_port_is_taken()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Reb.Silo.dll");
        Assert.True(File.Exists(dll), $"{dll} missing: the test project references Reb.Silo");
        using var occupier = Occupy(out var port);
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:HttpPort"] = port.ToString();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = _work
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings) { start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value ?? ""); }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true);
            Assert.Fail("the silo process kept running although its HTTP port was taken"); }
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("reb-silo:", await stderr);
    }

    [Fact]
    public async Task A_host_that_stops_without_a_signal_reports_failure()
    {
        // What Orleans does when it declares its own silo dead, or a hosted service fails: it stops the application.
        var settings = WebSilos.Settings(_work);
        settings["Reb:Gateway:HttpPort"] = LoopbackPorts.Next().ToString();
        var errors = new StringWriter();
        using var host = WebSilos.Build(settings);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() => _ =
            Task.Run(async () => { await Task.Delay(500); lifetime.StopApplication(); }));
        var run = SiloProcess.RunAsync(host, errors, TimeSpan.FromSeconds(20));
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(120))) == run, "the host did not stop");
        Assert.Equal(SiloProcess.Failed, await run);
        Assert.Contains("without a stop signal", errors.ToString());
    }

    [Fact]
    public async Task The_silo_process_exits_zero_after_sigterm()
    {
        var settings = WebSilos.Settings(_work);
        var port = LoopbackPorts.Next();
        settings["Reb:Gateway:HttpPort"] = port.ToString();
        using var process = StartSilo(settings);
        _ = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try { if ((await http.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode) break; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            Assert.False(process.HasExited,
                $"the silo exited with {(process.HasExited ? process.ExitCode : 0)} before answering");
            Assert.True(DateTime.UtcNow < deadline, "the silo did not answer /healthz within 120 s");
            await Task.Delay(500);
        }
        Assert.Equal(0, SendSignal(process.Id, SigTerm)); // what stop-cluster.sh and Kubernetes send
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true);
            Assert.Fail("the silo did not stop within 90 s of SIGTERM"); }
        Assert.Equal(0, process.ExitCode);
    }

    private const int SigTerm = 15;

    /// <summary>libc kill(2): .NET's Process.Kill only sends SIGKILL, and /bin/kill may not be installed.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private Process StartSilo(IDictionary<string, string?> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = _work
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Reb.Silo.dll"));
        foreach (var (key, value) in settings) { start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value ?? ""); }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        return Process.Start(start)!;
    }

    /// <summary>Holds a port on every interface (IPv6 dual-stack), as another program would.</summary>
    private static Socket Occupy(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true };
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        socket.Listen();
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }
}
