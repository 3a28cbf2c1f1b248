namespace Reb.Cluster.Tests.Architecture;

/// <summary>
/// No two namespaces under src/ depend on each other, however the dependency is written: the check resolves every name
/// with Roslyn (<see cref="SourceModel"/>), so a fully qualified name or an alias counts as much as a `using` line.
/// </summary>
public sealed class NamespaceCycleTests
{
    [Fact]
    public void No_namespace_cycle_anywhere_in_src()
    {
        var cycles = SourceModel.Instance.Cycles();
        Assert.True(cycles.Count == 0, "namespace cycles in src/:\n" + string.Join("\n\n", cycles.Select(Describe)));
    }

    [Fact]
    public void A_cycle_written_with_qualified_names_only_is_found()
    {
        // Two namespaces that name each other's types without a single `using` line: a source-text check misses this.
        var model = new SourceModel([
            ("a.cs", "namespace Reb.Probe.A; public sealed class Alpha { public Reb.Probe.B.Beta? Next; }", "Probe"),
            ("b.cs", "namespace Reb.Probe.B { public static class Beta2 { public static int " +
                "Of(global::Reb.Probe.A.Alpha a) => 1; } " +
                     "public sealed class Beta { } }", "Probe"),
        ]);
        var cycle = Assert.Single(model.Cycles());
        Assert.Contains(cycle, u => u.From == "Reb.Probe.A" && u.To == "Reb.Probe.B");
        Assert.Contains(cycle, u => u.From == "Reb.Probe.B" && u.To == "Reb.Probe.A");
    }

    [Fact]
    public void Namespaces_without_a_back_edge_are_no_cycle()
    {
        var model = new SourceModel([
            ("a.cs", "namespace Reb.Probe.A; public sealed class Alpha { public Reb.Probe.B.Beta? Next; }", "Probe"),
            ("b.cs", "namespace Reb.Probe.B; public sealed class Beta { }", "Probe"),
        ]);
        Assert.Empty(model.Cycles());
        Assert.Contains(model.NamespaceUses(), u => u.From == "Reb.Probe.A" && u.To == "Reb.Probe.B");
    }

    private static string Describe(IReadOnlyList<NamespaceUse> uses) =>
        string.Join("\n", uses.GroupBy(u => (u.From, u.To)).Select(g => $"  {g.Key.From} -> {g.Key.To}: " +
            string.Join(", ", g.Take(4).Select(u => $"{Path.GetFileName(u.File)}:{u.Line} '{u.Name}'"))));
}
