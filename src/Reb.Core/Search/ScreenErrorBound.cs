namespace Reb.Core.Search;

/// <summary>
/// Rigorous bound E(q) on |S(q, b) - D(q, b)|, the screened minus the true squared distance, for every bank b.
/// Notation: qc = fl32(q - mean), bc = fl32(b - mean); Nq >= ||qc||, Nb >= max_b ||bc||; qh = bf16(qc),
/// bh = bf16(bc) and their rounding residuals dq = qh - qc, db = bh - bc with Rq >= ||dq||, Rb >= max_b ||db||
/// (measured, not assumed: for round-to-nearest bfloat16 they are about 0.4 u ||x||, u = 2^-8, whereas the
/// textbook bound is u ||x||); d = dimension, v = 2^-24 (float32), g = d v / (1 - d v).
/// Screen: S = nu + fl32(beta_b + L), nu = ||qc||^2 and beta_b = fl32(||bc||^2) (both from float64 sums),
/// acc = the GEMM's float32 accumulation of qh . bh (float32 screen: qh = qc, bh = bc, Rq = Rb = 0).
/// float32 screen: L = -2 acc. bfloat16 screen: libtorch's bfloat16 mm returns x = bf16(acc), |x - acc| &lt;= u |acc|
/// &lt;= u' |x| with u' = u / (1 - u), and the scan keeps L = -2 x - 2 u' |x| &lt;= -2 acc: a per-entry lower bound,
/// so the output rounding needs no term here (S is then a lower bound up to E, which is all certification needs).
///  - input rounding, exactly qh.bh - qc.bc = qc.db + dq.bc + dq.db, so by Cauchy-Schwarz
///    |qh.bh - qc.bc| &lt;= Nq Rb + Rq Nb + Rq Rb; times 2 for the factor -2.
///  - float32 accumulation in any order (a product of two bfloat16 is exact in float32):
///    &lt;= g sum |qh_i bh_i| &lt;= g (Nq + Rq)(Nb + Rb), times 2.
///  - beta_b and the final add: &lt;= 2 v (Nq + Nb)^2 (nu and S are formed in float64).
///  - centring: q - b and qc - bc differ by &lt;= v (|qc_i| + |bc_i|) per coordinate, so the squared distances
///    differ by &lt;= 2.01 v (Nq + Nb)^2.
/// The float32-accumulation and small terms are gathered, generously, as (3g + 16v)(Nq + Rq + Nb + Rb)^2 and
/// the whole bound is multiplied by a safety factor. Tests check observed errors stay below the bound.
/// </summary>
internal static class ScreenErrorBound
{
    private const double V = 1.0 / 16777216; // 2^-24
    private const double Safety = 1.5;

    /// <summary>E(q) for a query with norm bound <paramref name="nq"/> and residual bound <paramref name="rq"/>
    /// against bank bounds <paramref name="nb"/> and <paramref name="rb"/> (residuals 0 for the float32 screen).</summary>
    public static double For(int dim, double nq, double rq, double nb, double rb)
    {
        double g = dim * V / (1 - dim * V);
        double inputTerm = 2 * (nq * rb + rq * nb + rq * rb);
        double all = nq + rq + nb + rb;
        double smallTerms = (3 * g + 16 * V) * all * all;
        return Safety * (inputTerm + smallTerms);
    }
}
