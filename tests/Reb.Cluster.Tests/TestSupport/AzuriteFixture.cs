using Reb.Silo;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Reb.Storage;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>
/// A real Azurite blob endpoint for the tests: the one on 127.0.0.1:10000 (infra/start-services.sh) when it answers,
/// otherwise one started here from infra/.tools on a free port with a temp data folder, stopped at the end. When
/// neither is possible the tests fail with what to run; they are never skipped silently.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The well-known Azurite development account (public, documented by Microsoft; not a secret).</summary>
    private const string DevAccount = "devstoreaccount1";
    private const string DevKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const int WellKnownPort = 10000;

    private Process? _process;
    private string? _location;
    private readonly List<string> _output = [];
    private readonly System.Collections.Concurrent.ConcurrentBag<string> _containers = [];

    public int Port { get; private set; }

    /// <summary>True when this fixture started Azurite itself (none was running).</summary>
    public bool StartedHere => _process != null;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};BlobEndpoint=http://127.0.0.1:" +
        $"{Port}/{DevAccount};";

    public async Task InitializeAsync()
    {
        if (await AnswersAsync(WellKnownPort)) { Port = WellKnownPort; return; }

        var repo = FindRepoRoot();
        var bin = repo == null ? null : Path.Combine(repo, "infra", ".tools", "node_modules", ".bin", "azurite-blob");
        if (bin == null || !File.Exists(bin))
            throw new InvalidOperationException(
                $"No Azurite answers on 127.0.0.1:{WellKnownPort} and it is not installed in infra/.tools. " +
                "Run `bash infra/start-services.sh` (installs Azurite with npm and starts it), then run the tests " +
                "again.");

        Port = LoopbackPorts.Next();
        _location = Path.Combine(Path.GetTempPath(), $"reb-azurite-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_location);
        var psi = new ProcessStartInfo(bin)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(), "--location", _location,
            "--skipApiVersionCheck", "--silent", "--loose" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {bin}");
        _process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) break;
            if (await AnswersAsync(Port)) return;
            await Task.Delay(100);
        }
        string log;
        lock (_output) log = string.Join('\n', _output.TakeLast(20));
        await DisposeAsync();
        throw new InvalidOperationException(
            $"Azurite started from {bin} did not answer on 127.0.0.1:{Port} within 30 s. Its output:\n{log}\n" +
            "Run `bash infra/start-services.sh` to (re)install and start it, then run the tests again.");
    }

    public async Task DisposeAsync()
    {
        if (_process == null && Port != 0)
        {
            var service = new BlobServiceClient(ConnectionString);
            foreach (var name in _containers)
            {
                try { await service.GetBlobContainerClient(name).DeleteIfExistsAsync(); }
                catch (Exception) { } // cleanup only: never hide the tests' own outcome
            }
        }
        if (_process != null)
        {
            try { if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } }
            catch (InvalidOperationException) { } // already gone
            _process.Dispose();
            _process = null;
        }
        if (_location != null && Directory.Exists(_location)) Directory.Delete(_location, recursive: true);
    }

    /// <summary>A container client for a new, unique container (one per test), optionally through a fault-injecting
    /// handler.</summary>
    public BlobContainerClient NewContainer(HttpMessageHandler? handler = null)
    {
        var name = $"t{Guid.NewGuid():N}";
        _containers.Add(name); // deleted at the end, so a shared Azurite does not fill up run after run
        return NewContainerClientFor(name, handler);
    }

    /// <summary>A store-style client (SDK retries off) for a given container, e.g. a second site on the same
    /// container.</summary>
    public BlobContainerClient NewContainerClientFor(string containerName, HttpMessageHandler? handler = null)
    {
        var options = AzureBlobArtefactStore.CreateClientOptions();
        if (handler != null) options.Transport = new HttpClientTransport(new HttpClient(handler));
        return new BlobContainerClient(ConnectionString, containerName, options);
    }

    /// <summary>A plain client (SDK defaults) on the same container, to look at or tamper with blobs behind the store's
    /// back.</summary>
    public BlobContainerClient Raw(string containerName) => new(ConnectionString, containerName);

    private async Task<bool> AnswersAsync(int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            // A TCP answer is not enough: it must speak the blob API with the dev account.
            using (var tcp = new TcpClient()) await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            var options = AzureBlobArtefactStore.CreateClientOptions();
            var service = new BlobServiceClient(
                $"DefaultEndpointsProtocol=http;AccountName={DevAccount};AccountKey={DevKey};BlobEndpoint=http://" +
                $"127.0.0.1:{port}/{DevAccount};", options);
            await service.GetPropertiesAsync(cts.Token);
            return true;
        }
        catch (Exception) { return false; }
    }


    private static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RebCluster.sln"))) return dir.FullName;
        return null;
    }
}

/// <summary>Tests that use Azurite share one instance.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
