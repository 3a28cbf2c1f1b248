namespace Reb.Gateway.Tests.Browser;

/// <summary>
/// C# reference for what the dashboard's threshold slider shows: the model rejects when score &gt;= threshold
/// (Reb.Abstractions Scoring contract), so good scores at/above the threshold are false rejects and defect scores
/// below it are escapes.
/// </summary>
public static class ExpectedRates
{
    public static double? FalseReject(IReadOnlyList<double> good, double threshold) =>
        good.Count == 0 ? null : (double)good.Count(s => s >= threshold) / good.Count;

    public static double? Escape(IReadOnlyList<double>? defects, double threshold) =>
        defects is null || defects.Count == 0 ? null : (double)defects.Count(s => s < threshold) / defects.Count;
}
