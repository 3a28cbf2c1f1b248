using System.Runtime.CompilerServices;

// Tests reach the block-size knobs of the metric accumulators to exercise multi-block merges on tiny data.
[assembly: InternalsVisibleTo("Reb.Core.Tests")]
