using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Reb.Gateway.Access;
using Reb.Gateway.Tests.TestSupport;

namespace Reb.Gateway.Tests.Security;

/// <summary>What the security tests need beyond the fixture: own sites and keys, store images, odd clients and bodies.</summary>
public static class SecurityHelpers
{
    /// <summary>A new key of <paramref name="site"/> (the site exists once it has a key).</summary>
    public static async Task<string> KeyAsync(GatewayFixture gateway, string site, string role) =>
        (await gateway.Services.GetRequiredService<ApiKeyService>().CreateAsync($"{site}-{role}-{Guid.NewGuid():N}"[..40], site, role, "security-test")).Key;

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
    public static MultipartFormDataContent TrainingUpload(GatewayFixture gateway, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in gateway.TrainingImages) form.Add(Http.Image(File.ReadAllBytes(path)), "images", Path.GetFileName(path));
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    /// <summary>A client whose connections come from <paramref name="source"/> (another loopback address, e.g. 127.0.0.2).</summary>
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
        var client = new HttpClient(handler) { BaseAddress = new Uri(gateway.BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>
    /// A request body that sends <paramref name="head"/> and then nothing until the request is cancelled: a client that
    /// uploads very slowly (or holds a connection on purpose).
    /// </summary>
    public static HttpContent StalledBody(byte[] head, string contentType, long declaredLength)
    {
        var content = new StreamContent(new StalledStream(head));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.ContentLength = declaredLength;
        return content;
    }

    private sealed class StalledStream(byte[] head) : Stream
    {
        private int _sent;
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (_sent < head.Length)
            {
                int n = Math.Min(buffer.Length, head.Length - _sent);
                head.AsMemory(_sent, n).CopyTo(buffer);
                _sent += n;
                return n;
            }
            await Task.Delay(Timeout.Infinite, ct);
            return 0;
        }
        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _sent; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Cancels the training jobs of <paramref name="line"/> (the tests' jobs must not keep the CPU busy).</summary>
    public static async Task CancelJobsAsync(GatewayFixture gateway, string line)
    {
        var status = await gateway.Grains.GetGrain<Reb.Abstractions.Grains.IProductLineGrain>(line).GetStatus();
        foreach (var job in status.Jobs) await gateway.Grains.GetGrain<Reb.Abstractions.Grains.ITrainingGrain>(job).Cancel();
    }
}
