namespace Reb.Core.Search;

/// <summary>
/// A half-open range [Start, End) of bank indices that a query must not return. One index e is [e, e+1) (a bank row
/// queried against its own bank); a whole image's patches are one range (leave-one-image-out scoring). Empty = none.
/// </summary>
public readonly record struct BankRange(long Start, long End)
{
    public static readonly BankRange None = new(0, 0);
    public static BankRange Single(long index) => index < 0 ? None : new BankRange(index, index + 1);
    public long Length => End - Start;
    /// <summary>One unsigned compare: true when Start &lt;= index &lt; End.</summary>
    public bool Contains(long index) => (ulong)(index - Start) < (ulong)(End - Start);
}
