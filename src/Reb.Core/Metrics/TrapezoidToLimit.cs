namespace Reb.Core.Metrics;

/// <summary>
/// Trapezoid-rule area under a curve given point by point with non-decreasing x, starting at (0, 0), cut at
/// x = limit: points with x &lt;= limit are integrated; the first point beyond the limit adds the part up to the
/// limit by linear interpolation (unless a point lies exactly on the limit), as MVTec's trapezoid(x_max=...).
/// </summary>
internal struct TrapezoidToLimit
{
    private readonly double _limit;
    private double _x, _y;
    private bool _done;

    public TrapezoidToLimit(double limit) { _limit = limit; _x = 0; _y = 0; _done = false; Area = 0; }

    public double Area { get; private set; }

    /// <summary>Adds the next point; returns true once the limit has been passed (later points change
    /// nothing).</summary>
    public bool Add(double x, double y)
    {
        if (_done) return true;
        if (x <= _limit)
        {
            Area += 0.5 * (y + _y) * (x - _x);
            _x = x; _y = y;
            return false;
        }
        if (_x < _limit)
        {
            double yAtLimit = _y + (y - _y) * (_limit - _x) / (x - _x);
            Area += 0.5 * (yAtLimit + _y) * (_limit - _x);
        }
        _done = true;
        return true;
    }
}
