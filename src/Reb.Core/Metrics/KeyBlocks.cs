namespace Reb.Core.Metrics;

/// <summary>
/// Append-only store of sortable score keys in fixed-size blocks. Blocks avoid the copy-and-double growth of
/// one big array (38M pixel scores would briefly need 3x their size) and let each block be sorted on its own,
/// in parallel, with a small scratch buffer per thread.
/// </summary>
internal sealed class KeyBlocks
{
    /// <summary>4M keys = 16 MB per block: large enough to keep the number of runs small (cheap merges).</summary>
    public const int DefaultBlockSize = 1 << 22;

    private readonly int _blockSize;
    private readonly List<uint[]> _blocks = new();
    private uint[]? _last; // == _blocks[^1]; cached because Add runs once per pixel
    private int _countInLast;

    public KeyBlocks(int blockSize = DefaultBlockSize)
    {
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize));
        _blockSize = blockSize;
    }

    /// <summary>Total number of keys stored.</summary>
    public long Count { get; private set; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(uint key)
    {
        var last = _last;
        if (last is null || _countInLast == last.Length) last = Grow();
        last[_countInLast++] = key;
        Count++;
    }

    private uint[] Grow()
    {
        // The last block doubles up to the block size, so a small metric (a few hundred image scores) does not
        // pay for a 16 MB block; full blocks are never copied again.
        if (_blocks.Count > 0 && _blocks[^1].Length < _blockSize)
        {
            var bigger = new uint[Math.Min(_blockSize, _blocks[^1].Length * 2)];
            _blocks[^1].AsSpan().CopyTo(bigger);
            _blocks[^1] = bigger;
            return _last = bigger;
        }
        _blocks.Add(_last = new uint[Math.Min(_blockSize, 1024)]);
        _countInLast = 0;
        return _last;
    }

    /// <summary>Number of blocks (sorted runs after <see cref="SortEachBlock"/>).</summary>
    public int BlockCount => _blocks.Count;

    private int BlockLength(int index) => index == _blocks.Count - 1 ? _countInLast : _blocks[index].Length;

    /// <summary>The filled part of block <paramref name="index"/>.</summary>
    public ReadOnlySpan<uint> Block(int index) => _blocks[index].AsSpan(0, BlockLength(index));

    /// <summary>Sorts every block ascending (in place), blocks in parallel. The stored multiset is unchanged.</summary>
    public void SortEachBlock()
    {
        int longest = _blocks.Count == 0 ? 0 : _blocks.Max(b => b.Length);
        Parallel.For(0, _blocks.Count,
            () => new uint[longest],
            (i, _, scratch) =>
            {
                RadixSort.Sort(_blocks[i].AsSpan(0, BlockLength(i)), scratch);
                return scratch;
            },
            _ => { });
    }
}
