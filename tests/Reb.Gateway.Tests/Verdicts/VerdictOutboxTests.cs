using System.Text;
using Reb.Gateway.Verdicts;

namespace Reb.Gateway.Tests.Verdicts;

/// <summary>The on-disk outbox alone: its bound, order, reopening after a restart, a record torn by a crash, and the
/// deletion of delivered segments.</summary>
public sealed class VerdictOutboxTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("reb-outbox-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private static byte[] Event(int n) => Encoding.UTF8.GetBytes($"{{\"n\":{n}}}");

    private static async Task<string> TakeAsync(VerdictOutbox outbox)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var entry = await outbox.PeekAsync(timeout.Token);
        outbox.Acknowledge(entry);
        return Encoding.UTF8.GetString(entry.Payload);
    }

    [Fact]
    public async Task A_full_outbox_refuses_new_events_and_takes_them_again_once_delivered()
    {
        int size = VerdictOutbox.HeaderBytes + Event(0).Length;
        using var outbox = VerdictOutbox.Open(_folder, maxBytes: 3 * size, segmentBytes: 1 << 20);
        Assert.True(outbox.TryAppend(Event(0)));
        Assert.True(outbox.TryAppend(Event(1)));
        Assert.True(outbox.TryAppend(Event(2)));
        Assert.False(outbox.TryAppend(Event(3)));
        Assert.Equal((3, 3L * size), (outbox.Count, outbox.Bytes));
        Assert.Equal("{\"n\":0}", await TakeAsync(outbox));
        Assert.True(outbox.TryAppend(Event(4)));
    }

    [Fact]
    public async Task Undelivered_events_survive_a_reopen_in_order_and_delivered_ones_do_not_come_back()
    {
        using (var outbox = VerdictOutbox.Open(_folder, 1 << 20, segmentBytes: 40))
        {
            for (int i = 0; i < 10; i++) Assert.True(outbox.TryAppend(Event(i)));
            Assert.Equal("{\"n\":0}", await TakeAsync(outbox));
            Assert.Equal("{\"n\":1}", await TakeAsync(outbox));
            Assert.Equal("{\"n\":2}", await TakeAsync(outbox));
        }
        using (var reopened = VerdictOutbox.Open(_folder, 1 << 20, segmentBytes: 40))
        {
            Assert.Equal(7, reopened.Count);
            for (int i = 3; i < 10; i++) Assert.Equal($"{{\"n\":{i}}}", await TakeAsync(reopened));
            Assert.Equal(0, reopened.Count);
            // Delivered segments are gone: only the one being written remains.
            Assert.Single(Directory.GetFiles(_folder, "*.seg"));
        }
    }

    [Fact]
    public async Task A_record_torn_by_a_crash_is_cut_off_and_the_rest_is_kept()
    {
        using (var outbox = VerdictOutbox.Open(_folder, 1 << 20, 1 << 20))
        {
            outbox.TryAppend(Event(0));
            outbox.TryAppend(Event(1));
        }
        var segment = Directory.GetFiles(_folder, "*.seg").Single();
        // A crash in the middle of the third append: its header and part of its payload reached the disk.
        await using (var stream = new FileStream(segment, FileMode.Append))
            stream.Write([50, 0, 0, 0, (byte)'{', (byte)'"']);
        using var reopened = VerdictOutbox.Open(_folder, 1 << 20, 1 << 20);
        Assert.Equal(2, reopened.Count);
        Assert.True(reopened.TryAppend(Event(2)));
        Assert.Equal("{\"n\":0}", await TakeAsync(reopened));
        Assert.Equal("{\"n\":1}", await TakeAsync(reopened));
        Assert.Equal("{\"n\":2}", await TakeAsync(reopened));
    }

    [Fact]
    public void A_folder_in_use_by_another_outbox_is_refused_until_it_is_closed()
    {
        var first = VerdictOutbox.Open(_folder, 1 << 20, 1 << 20);
        var refused = Assert.Throws<InvalidOperationException>(() => VerdictOutbox.Open(_folder, 1 << 20, 1 << 20));
        Assert.Contains("OutboxFolder", refused.Message);
        first.Dispose();
        VerdictOutbox.Open(_folder, 1 << 20, 1 << 20).Dispose();
    }
}
