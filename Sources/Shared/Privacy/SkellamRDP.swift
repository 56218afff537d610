/// Renyi DP of the (multidimensional) Skellam mechanism: integer noise Sk(mu, mu), the
/// difference of two independent Poisson(mu) draws (variance 2 mu), added to each
/// coordinate of an integer vector whose L1 and L2 sensitivities are `l1` and `l2`.
///
/// Bound from Agarwal, Kairouz and Liu 2021, "The Skellam Mechanism for Differentially
/// Private Federated Learning" (arXiv:2110.04995, Theorem 3.5), for integer alpha > 1:
///
///     rdp(alpha) <= alpha l2^2 / (4 mu)
///                   + min( ((2 alpha - 1) l2^2 + 6 l1) / (16 mu^2),  3 l1 / (4 mu) ).
///
/// The first term is the Gaussian's with the same variance 2 mu; the second is the price
/// of discreteness and vanishes as mu grows. The theorem is stated for integer orders, so
/// fractional orders of a grid get +infinity (no guarantee) and the conversion ignores them.
/// `mu` is the per-coordinate Poisson mean of the *total* noise in the release (for
/// distributed noise: the sum over contributors of their shares).
public enum SkellamRDP {
    /// The RDP at one order (+infinity for a fractional order).
    /// - Throws: `ApiaryError(.invalidArgument)` naming the parameter if mu, l1 or l2 is not
    ///   a positive finite number or the order is not a finite number above 1.
    public static func rdp(mu: Double, l1: Double, l2: Double, order alpha: Double) throws -> Double {
        try validate(mu: mu, l1: l1, l2: l2)
        guard alpha.isFinite, alpha > 1 else {
            throw ApiaryError(.invalidArgument, "RDP order must be a finite number above 1, got \(alpha)")
        }
        return perRelease(mu: mu, l1: l1, l2: l2, alpha: alpha)
    }

    /// The RDP curve of `steps` Skellam releases with the same parameters over `grid`.
    public static func curve(mu: Double, l1: Double, l2: Double, steps: Int = 1,
                             grid: RDPOrderGrid = .dpAccountingDefault) throws -> RDPCurve {
        try validate(mu: mu, l1: l1, l2: l2)
        try PrivacyParameterCheck.steps(steps)
        let factor = Double(steps)
        return RDPCurve(unchecked: grid.orders,
                        values: grid.orders.map { perRelease(mu: mu, l1: l1, l2: l2, alpha: $0) * factor })
    }

    static func validate(mu: Double, l1: Double, l2: Double) throws {
        try PrivacyParameterCheck.positive(mu, "Skellam mu")
        try PrivacyParameterCheck.positive(l1, "L1 sensitivity")
        try PrivacyParameterCheck.positive(l2, "L2 sensitivity")
    }

    static func perRelease(mu: Double, l1: Double, l2: Double, alpha: Double) -> Double {
        guard alpha == alpha.rounded() else { return .infinity }
        let l2Squared = l2 * l2
        let gaussianPart = alpha * l2Squared / (4 * mu)
        let discretePart = min(((2 * alpha - 1) * l2Squared + 6 * l1) / (16 * mu * mu), 3 * l1 / (4 * mu))
        return gaussianPart + discretePart
    }
}
