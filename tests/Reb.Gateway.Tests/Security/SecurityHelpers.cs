using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>What the security tests need beyond the fixture: own sites and keys, store images, odd clients and
/// bodies.</summary>
public static class SecurityHelpers
{
    /// <summary>A new key of <paramref name="site"/> (the site exists once it has a key).</summary>
    public static async Task<string> KeyAsync(GatewayFixture gateway, string site, string role) =>
        (await gateway.Services.GetRequiredService<ApiKeyService>()
            .CreateAsync($"{site}-{role}-{Guid.NewGuid():N}"[..40], site, role, "security-test")).Key;

    /// <summary>Copies the fixture's training images into the artefact store under <paramref name="prefix"/>.</summary>
    public static async Task PutImagesAsync(GatewayFixture gateway, string prefix)
    {
        for (int i = 0; i < gateway.TrainingImages.Count; i++)
        {
            await using var file = File.OpenRead(gateway.TrainingImages[i]);
            await gateway.Store.PutAsync($"{prefix.TrimEnd('/')}/{i:D3}.png", file);
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Multipart training body with the fixture's training images and the given form fields.</summary>
    public static MultipartFormDataContent TrainingUpload(GatewayFixture gateway,
        params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in gateway.TrainingImages)
            form.Add(Http.Image(File.ReadAllBytes(path)), "images", Path.GetFileName(path));
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    /// <summary>A client whose connections come from <paramref name="source"/> (another loopback address, e.g.
    /// 127.0.0.2).</summary>
    public static HttpClient ClientFrom(GatewayFixture gateway, IPAddress source, string? key)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (ctx, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(ctx.DnsEndPoint.Host, ctx.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch { socket.Dispose(); throw; }
            },
        };
        var client = new HttpClient(handler)
        {
            BaseAddress = new Uri(gateway.BaseUrl + "/"),
            Timeout = TimeSpan.FromSeconds(60)
        };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>
    /// A raw HTTP/1.1 request that sends <paramref name="body"/> at a trickle of 400 bytes a second: a client that
    /// uploads very slowly (or holds a connection on purpose), fast enough for Kestrel's minimum data rate (240 B/s).
    /// Raw TCP, because HttpClient buffers the first bytes of a body and would not even send the headers. Dispose to
    /// drop the connection.
    /// </summary>
    public sealed class StalledUpload : IDisposable
    {
        private readonly TcpClient _tcp = new();
        private readonly CancellationTokenSource _stop = new();
        private NetworkStream? _stream;

        /// <summary>Sends the head, then trickles the body: 100 bytes each <paramref name="everyMs"/>. Kestrel cuts
        /// off a body slower than 240 bytes/s after 5 s: an upload that must hold its slot trickles well above that,
        /// since on loaded cores the delays stretch.</summary>
        public static async Task<StalledUpload> StartAsync(GatewayFixture gateway, string path, string key,
            string contentType, byte[] body, int everyMs = 250)
        {
            var upload = new StalledUpload();
            var uri = new Uri(gateway.BaseUrl);
            await upload._tcp.ConnectAsync(IPAddress.Loopback, uri.Port);
            upload._stream = upload._tcp.GetStream();
            var head = $"POST /{path} HTTP/1.1\r\nHost: 127.0.0.1:{uri.Port}\r\nX-Api-Key: {key}\r\nContent-Type: " +
                $"{contentType}\r\n" +
                       $"Content-Length: {body.Length}\r\n\r\n";
            await upload._stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await upload._stream.FlushAsync();
            _ = upload.TrickleAsync(body, everyMs);
            return upload;
        }

        private async Task TrickleAsync(byte[] body, int everyMs)
        {
            try
            {
                for (int at = 0; at < body.Length && !_stop.IsCancellationRequested; at += 100)
                {
                    await _stream!.WriteAsync(body.AsMemory(at, Math.Min(100, body.Length - at)), _stop.Token);
                    await _stream.FlushAsync(_stop.Token);
                    await Task.Delay(everyMs, _stop.Token);
                }
            }
            catch (Exception) { } // the server answered and closed, or the test disposed the upload
        }

        /// <summary>True once the server has answered (bytes wait to be read): the upload no longer holds a
        /// slot.</summary>
        public bool Answered => _tcp.Available > 0;

        /// <summary>The status code of the response, once it comes (null when none came within <paramref
        /// name="wait"/>).</summary>
        public async Task<int?> StatusAsync(TimeSpan wait)
        {
            using var cts = new CancellationTokenSource(wait);
            var buffer = new byte[256];
            try
            {
                int n = await _stream!.ReadAsync(buffer, cts.Token);
                var line = Encoding.ASCII.GetString(buffer, 0, n);
                return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(line.AsSpan(9, 3)) : null;
            }
            catch (OperationCanceledException) { return null; }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _tcp.Dispose();
        }
    }

    /// <summary>Cancels the training jobs of <paramref name="line"/> (the tests' jobs must not keep the CPU
    /// busy).</summary>
    public static async Task CancelJobsAsync(GatewayFixture gateway, string line)
    {
        var status = await gateway.Grains.GetGrain<Reb.Abstractions.Grains.IProductLineGrain>(line).GetStatus();
        foreach (var job in status.Jobs)
            await gateway.Grains.GetGrain<Reb.Abstractions.Grains.ITrainingGrain>(job).Cancel();
    }
}
