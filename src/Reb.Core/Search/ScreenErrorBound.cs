namespace Reb.Core.Search;

/// <summary>
/// Rigorous per-entry bound E(q, b) on |S(q, b) - D(q, b)|: the screen value minus the true squared distance
/// (scaled domain: every quantity below is of the centred vectors times <see cref="KnnBank.Scale"/>, a power of two,
/// so distances are exactly the true ones times Scale^2).
///
/// Notation: qc, bc the float32-centred vectors (times Scale, held in float64, so exact); Nq = ||qc||, Nb = ||bc||
/// (per row, not a bank-wide maximum); qh, bh their screen copies (bfloat16, or float32), dq = qh - qc,
/// db = bh - bc with Rq = ||dq||, Rb = ||db|| MEASURED per vector (this also covers values that underflow when
/// rounded); d = dimension, v = 2^-24, g = d v / (1 - d v); A = Nq + Rq, B = Nb + Rb.
/// Screen: S = nu + beta_b - 2 acc with nu = ||qc||^2 (float64), beta_b = fl32(||bc||^2) and acc the GEMM's
/// float32-accumulated dot product of qh and bh (the start-up probe checks float32 accumulation, see
/// <see cref="ScreenPrecisionProbe"/>). MKL's gemm_bf16bf16f32 returns acc in float32. libtorch's bfloat16 mm returns
/// x = bf16(acc), |x - acc| &lt;= u' |x| (u' = 2^-8 / (1 - 2^-8)): that term, u' |-2x| per entry, is added by the scan
/// itself (<see cref="CandidateScan"/>), as it depends on the computed entry, not on norms.
/// Terms of |S - D|:
///  - input rounding: qh.bh - qc.bc = qc.db + dq.bc + dq.db exactly, so by Cauchy-Schwarz
///    |.| &lt;= Nq Rb + Rq Nb + Rq Rb; times 2 for the factor -2.
///  - float32 accumulation in any order (the standard dot-product bound, products included):
///    &lt;= g sum |qh_i bh_i| &lt;= g A B, times 2.
///  - centring: (qc_i - bc_i) differs from (q_i - b_i) (times Scale) by &lt;= v (|qc_i| + |bc_i|), so the squared
///    distances differ by &lt;= 2.01 v (Nq + Nb)^2.
///  - beta_b's rounding (v B^2) and the float32 arithmetic of the scan that forms S +- E (a handful of operations on
///    values &lt;= 2 (A + B)^2): together &lt;= 12 v (A + B)^2.
///  - underflow: bfloat16 dot-product hardware flushes denormal products and partial sums; each of the d products
///    and d additions then errs by &lt;= 2^-126 absolute: 2 d 2^-126, times 2, plus a few scan operations.
/// Gathered, generously: E = Safety [2 (Nq Rb + Rq Nb + Rq Rb) + h (A + B)^2] + U, h = 3 g + 32 v, U the underflow
/// term. Expanded so the scan needs two multiply-adds per entry:
///   E = c0(q) + e(b), c0 = Safety h A^2 + U, e(b) = Safety h B^2 + cB(q) B + cR(q) Rb,
///   cB = 2 Safety (Rq + h A), cR = 2 Safety Nq.
/// Tests check observed errors stay below the bound and that the bound is not vacuous.
/// </summary>
internal static class ScreenErrorBound
{
    internal const double V = 1.0 / 16777216; // 2^-24
    internal const double Safety = 1.5;
    private static readonly double MinNormal = Math.ScaleB(1.0, -126);

    /// <summary>h = 3 g + 32 v for dimension <paramref name="dim"/>.</summary>
    public static double H(int dim)
    {
        double g = dim * V / (1 - dim * V);
        return 3 * g + 32 * V;
    }

    /// <summary>The per-row part Safety h B^2.</summary>
    public static double RowTerm(int dim, double b) => Safety * H(dim) * b * b;

    /// <summary>The per-query coefficients (c0, cB, cR) of a query with norm <paramref name="nq"/> and residual
    /// <paramref name="rq"/>.</summary>
    public static (double C0, double CB, double CR) QueryTerms(int dim, double nq, double rq)
    {
        double h = H(dim), a = nq + rq;
        double underflow = (4.0 * dim + 24) * MinNormal;
        return (Safety * h * a * a + Safety * underflow, 2 * Safety * (rq + h * a), 2 * Safety * nq);
    }

    /// <summary>E(q, b) in full (tests): the sum of <see cref="QueryTerms"/> and <see cref="RowTerm"/> for one
    /// pair.</summary>
    public static double For(int dim, double nq, double rq, double nb, double rb)
    {
        var (c0, cB, cR) = QueryTerms(dim, nq, rq);
        double b = nb + rb;
        return c0 + RowTerm(dim, b) + cB * b + cR * rb;
    }
}
