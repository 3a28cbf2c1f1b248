using System.Diagnostics;
using Reb.Silo;

namespace Reb.Gateway.Tests.Verdicts;

/// <summary>
/// A Debian mosquitto of the test's own on a free loopback port, with persistence in a temporary folder: a test may
/// stop it (SIGTERM: it saves its sessions and queued messages) and start it again on the same port, as a plant's
/// broker restarts. The binary comes with infra/start-services.sh (apt-get install mosquitto).
/// </summary>
public sealed class MosquittoBroker : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("reb-mosquitto-").FullName;
    private Process? _process;

    public int Port { get; }

    public MosquittoBroker(int? port = null)
    {
        Port = port ?? LoopbackPorts.Next();
        File.WriteAllText(Path.Combine(_folder, "mosquitto.conf"), $"""
            listener {Port} 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location {_folder}/
            user {Environment.UserName}
            log_dest file {_folder}/mosquitto.log
            """);
    }

    public static string Binary() =>
        new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException(
            "mosquitto is not installed: run `bash infra/start-services.sh` (apt-get install mosquitto)");

    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) return;
        _process = Process.Start(new ProcessStartInfo(Binary(), ["-c", Path.Combine(_folder, "mosquitto.conf")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        for (int i = 0; i < 100; i++)
        {
            if (Answers(Port)) return;
            if (_process.HasExited) break;
            await Task.Delay(100);
        }
        var log = Path.Combine(_folder, "mosquitto.log");
        throw new InvalidOperationException(
            $"mosquitto did not answer on 127.0.0.1:{Port}: {(File.Exists(log) ? File.ReadAllText(log) : "")}"
                                            + await _process.StandardError.ReadToEndAsync());
    }

    /// <summary>A graceful stop (SIGTERM), as a broker's service restart does; returns once the port is
    /// closed.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        _process.Dispose();
        _process = null;
    }

    public static bool Answers(int port)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process?.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
