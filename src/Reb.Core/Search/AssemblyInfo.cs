using System.Runtime.CompilerServices;

// The kNN tests check the screening error bound and the fallback counters, which are internal.
[assembly: InternalsVisibleTo("Reb.Core.Tests")]
