using Reb.Gateway.Lines;
using Reb.Gateway.Verdicts;

namespace Reb.Gateway.Tests.Verdicts;

public static class VerdictAssert
{
    /// <summary>Each inspection's verdict exactly once (no loss, no duplicate) and, per line, in inspection
    /// order.</summary>
    public static void OnceInOrder(IReadOnlyList<Inspection> sent, IReadOnlyList<VerdictEvent> received)
    {
        var counts = received.GroupBy(r => r.InspectionId).ToDictionary(g => g.Key, g => g.Count());
        var missing = sent.Where(s => !counts.ContainsKey(s.Id)).Select(s => s.Id).ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {sent.Count} verdicts never arrived: {string.Join(", ", missing)}");
        var duplicated = counts.Where(c => c.Value > 1).Select(c => $"{c.Key} x{c.Value}").ToList();
        Assert.True(duplicated.Count == 0, $"verdicts delivered more than once: {string.Join(", ", duplicated)}");
        Assert.Equal(sent.Count, received.Count);
        foreach (var line in sent.Select(s => s.Line).Distinct())
            Assert.Equal(sent.Where(s => s.Line == line).Select(s => s.Id),
                received.Where(r => r.Line == line).Select(r => r.InspectionId));
    }
}
