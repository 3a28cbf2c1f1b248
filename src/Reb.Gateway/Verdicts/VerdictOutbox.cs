using System.Buffers.Binary;
using System.Globalization;

namespace Reb.Gateway.Verdicts;

/// <summary>One undelivered event and where it sits in the outbox (what <see cref="VerdictOutbox.Acknowledge"/>
/// needs).</summary>
public sealed record OutboxEntry(byte[] Payload, long Segment, long Offset)
{
    public long End => Offset + VerdictOutbox.HeaderBytes + Payload.Length;
}

/// <summary>
/// A bounded first-in first-out queue of events on disk, for one sink with one reader. Events are appended to numbered
/// segment files ("000000000001.seg", records of a 4-byte little-endian length and the payload) and flushed to the disk
/// before <see cref="TryAppend"/> returns, so an event the gateway accepted survives a crash or restart. The reader's
/// position (first undelivered event) is the "cursor" file, replaced atomically after each delivery; a segment is
/// deleted once the cursor has passed its end. Delivery is at least once: a crash between a delivery and the cursor
/// write sends that one event again after the restart. A record torn by a crash mid-append is cut off when the outbox
/// is opened (it was never acknowledged to anyone). One outbox per folder: a "lock" file held open refuses a second.
/// </summary>
public sealed class VerdictOutbox : IDisposable
{
    public const int HeaderBytes = 4;
    private const string SegmentExtension = ".seg";
    private const string CursorFile = "cursor";
    private const string LockFile = "lock";

    private readonly object _gate = new();
    private readonly string _folder;
    private readonly long _maxBytes, _segmentBytes;
    private readonly SemaphoreSlim _appended = new(0, int.MaxValue);
    private readonly FileStream _lock;
    private FileStream _writer;
    private long _writerSegment;
    private long _cursorSegment, _cursorOffset;
    private long _pendingBytes, _pendingCount;
    private bool _disposed;

    private VerdictOutbox(string folder, long maxBytes, long segmentBytes)
    {
        _folder = folder;
        _maxBytes = maxBytes;
        _segmentBytes = segmentBytes;
        Directory.CreateDirectory(folder);
        // Two writers would interleave records and cursors: a second process (or a second gateway in this one) on the
        // same folder is refused at start instead.
        try { _lock = new FileStream(Path.Combine(folder, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite,
            FileShare.None); }
        catch (IOException e)
        {
            throw new InvalidOperationException(
                $"verdict outbox {folder} is in use by another gateway: give each gateway process " +
                                                "its own " +
                                                $"{VerdictOptions.Section}:{nameof(VerdictOptions.OutboxFolder)}", e);
        }
        var segments = Segments();
        (_cursorSegment, _cursorOffset) = ReadCursor() ?? (segments.Count > 0 ? segments[0] : 1, 0);
        foreach (var old in segments.Where(s => s < _cursorSegment)) File.Delete(SegmentPath(old));
        segments.RemoveAll(s => s < _cursorSegment);
        if (segments.Count == 0) _cursorOffset = 0; // everything was delivered: the next segment starts empty
        foreach (var s in segments)
        {
            var (count, bytes) = Scan(s, s == _cursorSegment ? _cursorOffset : 0, truncateTorn: s == segments[^1]);
            _pendingCount += count;
            _pendingBytes += bytes;
        }
        _writerSegment = segments.Count > 0 ? segments[^1] : _cursorSegment;
        _writer = OpenForAppend(_writerSegment);
    }

    /// <summary>Opens (or creates) the outbox in <paramref name="folder"/>, with the events a previous process left
    /// there.</summary>
    public static VerdictOutbox Open(string folder, long maxBytes, long segmentBytes)
        => new(folder, maxBytes, segmentBytes);

    /// <summary>Undelivered events.</summary>
    public long Count { get { lock (_gate) return _pendingCount; } }

    /// <summary>Bytes of undelivered events on disk (headers included); at most the bound given at
    /// <see cref="Open"/>.</summary>
    public long Bytes { get { lock (_gate) return _pendingBytes; } }

    /// <summary>
    /// Appends <paramref name="payload"/> and flushes it to the disk; false (nothing written) when the outbox would
    /// grow past its bound.
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> payload)
    {
        long size = HeaderBytes + payload.Length;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pendingBytes + size > _maxBytes) return false;
            if (_writer.Length > 0 && _writer.Length + size > _segmentBytes)
            {
                _writer.Dispose();
                _writerSegment++;
                _writer = OpenForAppend(_writerSegment);
            }
            Span<byte> header = stackalloc byte[HeaderBytes];
            BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
            _writer.Write(header);
            _writer.Write(payload);
            _writer.Flush(flushToDisk: true);
            _pendingBytes += size;
            _pendingCount++;
        }
        _appended.Release();
        return true;
    }

    /// <summary>The oldest undelivered event; waits for one when the outbox is empty. The same event comes back until
    /// it is acknowledged.</summary>
    public async Task<OutboxEntry> PeekAsync(CancellationToken ct)
    {
        while (true)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_pendingCount > 0) return ReadAtCursor();
            }
            await _appended.WaitAsync(ct);
        }
    }

    /// <summary>Marks <paramref name="entry"/> (the one <see cref="PeekAsync"/> gave) as delivered: the cursor moves
    /// past it on disk and a segment the cursor has left is deleted.</summary>
    public void Acknowledge(OutboxEntry entry)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (entry.Segment != _cursorSegment || entry.Offset != _cursorOffset)
                throw new InvalidOperationException("only the oldest undelivered event can be acknowledged");
            _cursorOffset = entry.End;
            _pendingBytes -= HeaderBytes + entry.Payload.Length;
            _pendingCount--;
            MovePastFinishedSegments();
            WriteCursor();
        }
    }

    private OutboxEntry ReadAtCursor()
    {
        MovePastFinishedSegments();
        using var stream = new FileStream(SegmentPath(_cursorSegment), FileMode.Open, FileAccess.Read,
            FileShare.ReadWrite | FileShare.Delete);
        stream.Position = _cursorOffset;
        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.ReadExactly(header);
        var payload = new byte[BinaryPrimitives.ReadInt32LittleEndian(header)];
        stream.ReadExactly(payload);
        return new OutboxEntry(payload, _cursorSegment, _cursorOffset);
    }

    /// <summary>The writer has moved on from the cursor's segment and the cursor is at its end: continue in the next
    /// one and delete this one (the cursor file is written first, so a crash never points into a deleted
    /// segment).</summary>
    private void MovePastFinishedSegments()
    {
        while (_cursorSegment < _writerSegment && _cursorOffset >= new FileInfo(SegmentPath(_cursorSegment)).Length)
        {
            var finished = _cursorSegment;
            _cursorSegment++;
            _cursorOffset = 0;
            WriteCursor();
            File.Delete(SegmentPath(finished));
        }
    }

    private (long Count, long Bytes) Scan(long segment, long from, bool truncateTorn)
    {
        using var stream = new FileStream(SegmentPath(segment), FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        long position = from, count = 0;
        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.Position = from;
        while (position + HeaderBytes <= stream.Length)
        {
            stream.ReadExactly(header);
            long length = BinaryPrimitives.ReadInt32LittleEndian(header);
            if (length < 0 || position + HeaderBytes + length > stream.Length) break;
            position += HeaderBytes + length;
            stream.Position = position;
            count++;
        }
        if (position < stream.Length)
        {
            if (!truncateTorn) throw new InvalidDataException(
                $"verdict outbox segment {SegmentPath(segment)} is damaged at byte {position}");
            stream.SetLength(position);
            stream.Flush(flushToDisk: true);
        }
        return (count, position - from);
    }

    private List<long> Segments() => Directory.EnumerateFiles(_folder, "*" + SegmentExtension)
        .Select(p => long.TryParse(Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture,
            out var n) ? n : -1)
        .Where(n => n > 0).Order().ToList();

    private string SegmentPath(long segment)
        => Path.Combine(_folder, segment.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);

    private FileStream OpenForAppend(long segment) =>
        new(SegmentPath(segment), FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);

    private (long, long)? ReadCursor()
    {
        var path = Path.Combine(_folder, CursorFile);
        if (!File.Exists(path)) return null;
        var parts = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out var segment)
            || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var offset))
            throw new InvalidDataException($"verdict outbox cursor {path} is damaged");
        return (segment, offset);
    }

    private void WriteCursor()
    {
        var path = Path.Combine(_folder, CursorFile);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{_cursorSegment} {_cursorOffset}")));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _writer.Dispose();
            _lock.Dispose();
        }
    }
}
