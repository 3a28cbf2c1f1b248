using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Reb.Cluster.Tests.TestSupport;

/// <summary>What the fault-injecting transport does to one request.</summary>
public enum Fault
{
    None,
    /// <summary>Answer 503 Server Busy without reaching the server.</summary>
    ServerBusy,
    /// <summary>Fail the send as a reset connection (no response at all).</summary>
    ConnectionReset,
    /// <summary>Forward the request, then break the connection halfway through the response body.</summary>
    ResetMidBody,
    /// <summary>Never answer (until the caller gives up).</summary>
    Hang,
}

/// <summary>
/// An HttpClient handler between the Azure SDK and a real Azurite that fails or delays chosen requests by a schedule,
/// so resilience is tested against real traffic, not mocks. The schedule sees each request and its 1-based number.
/// </summary>
public sealed class FaultInjectingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private int _requests;
    private int _injected;
    private volatile Func<HttpRequestMessage, int, Fault> _schedule = (_, _) => Fault.None;

    public Func<HttpRequestMessage, int, Fault> Schedule { get => _schedule; set => _schedule = value; }

    /// <summary>Requests that reached this handler (faulted or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Requests that got a fault.</summary>
    public int Injected => Volatile.Read(ref _injected);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var number = Interlocked.Increment(ref _requests);
        var fault = _schedule(request, number);
        if (fault != Fault.None) Interlocked.Increment(ref _injected);
        switch (fault)
        {
            case Fault.ServerBusy:
                var busy = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                {
                    RequestMessage = request,
                    Content = new StringContent("<?xml version=\"1.0\" " +
                        "encoding=\"utf-8\"?><Error><Code>ServerBusy</Code><Message>injected</Message></Error>",
                        System.Text.Encoding.UTF8, "application/xml"),
                };
                busy.Headers.Add("x-ms-error-code", "ServerBusy");
                return busy;
            case Fault.ConnectionReset:
                throw new HttpRequestException("injected: connection reset by peer",
                    new IOException("reset", new SocketException((int)SocketError.ConnectionReset)));
            case Fault.Hang:
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                throw new UnreachableException();
            case Fault.ResetMidBody:
                var response = await base.SendAsync(request, ct);
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                var broken = new StreamContent(new BreaksHalfway(body));
                foreach (var h in response.Content.Headers) broken.Headers.TryAddWithoutValidation(h.Key, h.Value);
                response.Content = broken;
                return response;
            default:
                return await base.SendAsync(request, ct);
        }
    }

    /// <summary>Serves the first half of a body, then fails like a dropped connection.</summary>
    private sealed class BreaksHalfway(byte[] body) : Stream
    {
        private readonly int _end = body.Length / 2;
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0) return 0;
            if (_position >= _end) throw new IOException("injected: connection reset in the middle of the body");
            var n = Math.Min(buffer.Length, _end - _position);
            body.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            try { return ValueTask.FromResult(Read(buffer.Span)); }
            catch (IOException e) { return ValueTask.FromException<int>(e); }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
            => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
