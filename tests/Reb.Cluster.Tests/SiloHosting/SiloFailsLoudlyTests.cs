using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _work };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in settings) { start.ArgumentList.Add($"--{key}"); start.ArgumentList.Add(value ?? ""); }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); Assert.Fail("the silo process kept running although its HTTP port was taken"); }
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("reb-silo:", await stderr);
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
