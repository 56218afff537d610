import Foundation

/// Renyi DP of the Poisson-subsampled Gaussian mechanism (DP-SGD, DP-FedAvg): each record is
/// included with probability q, the clipped sum gets Gaussian noise of standard deviation
/// z times the L2 clip norm. Add-or-remove-one-record neighbouring.
///
/// Formulas from Mironov, Talwar and Zhang 2019, "Renyi Differential Privacy of the Sampled
/// Gaussian Mechanism" (arXiv:1908.10530), evaluated the way Google's dp-accounting
/// (`rdp_privacy_accountant.py`, version 0.6.0) evaluates them, so the figures agree with it:
///
/// - q = 1: the plain Gaussian, rdp(alpha) = alpha / (2 z^2).
/// - integer alpha (Section 3.2): rdp = log(A_alpha) / (alpha - 1) with
///   A_alpha = sum_{i=0}^{alpha} C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 z^2)),
///   summed in log space.
/// - fractional alpha (Section 3.3): A_alpha = A_0 + A_1, two series over i = 0, 1, 2, ...
///   split at z0 = z^2 log(1/q - 1) + 1/2, with j = alpha - i:
///   A_0 terms |C(alpha,i)| q^i (1-q)^j exp((i^2-i)/(2z^2)) erfc((i - z0)/(sqrt2 z)) / 2,
///   A_1 terms |C(alpha,i)| q^j (1-q)^i exp((j^2-j)/(2z^2)) erfc((z0 - j)/(sqrt2 z)) / 2.
///   Summation stops once both terms decrease and are below e^-30 of the total; a series
///   that has not converged after 1000 terms yields +infinity (that order is then ignored).
public enum SubsampledGaussianRDP {
    /// Most terms summed for a fractional order before giving up on it (dp-accounting's cap).
    static let maximumFractionalTerms = 1000

    /// The per-step RDP at one order.
    /// - Throws: `ApiaryError(.invalidArgument)` naming the parameter if q is outside (0, 1],
    ///   z is not a positive finite number, or the order is not a finite number above 1.
    public static func rdp(samplingRate q: Double, noiseMultiplier z: Double, order alpha: Double) throws -> Double {
        try validate(samplingRate: q, noiseMultiplier: z)
        guard alpha.isFinite, alpha > 1 else {
            throw ApiaryError(.invalidArgument, "RDP order must be a finite number above 1, got \(alpha)")
        }
        return perStep(q: q, z: z, alpha: alpha)
    }

    /// The RDP curve of `steps` compositions over `grid`. Per-step curves are cached by
    /// (q, z, grid), so repeated queries (a budget check each round, a sweep over steps or
    /// delta) cost one multiplication per order.
    public static func curve(samplingRate q: Double, noiseMultiplier z: Double, steps: Int = 1,
                             grid: RDPOrderGrid = .dpAccountingDefault) throws -> RDPCurve {
        try validate(samplingRate: q, noiseMultiplier: z)
        try PrivacyParameterCheck.steps(steps)
        let key = RDPCurveCache.Key(mechanism: 0, first: q, second: z, orders: grid.orders)
        let perStepValues = RDPCurveCache.shared.values(for: key) {
            grid.orders.map { perStep(q: q, z: z, alpha: $0) }
        }
        let factor = Double(steps)
        return RDPCurve(unchecked: grid.orders, values: steps == 1 ? perStepValues : perStepValues.map { $0 * factor })
    }

    static func validate(samplingRate q: Double, noiseMultiplier z: Double) throws {
        try PrivacyParameterCheck.samplingRate(q)
        try PrivacyParameterCheck.positive(z, "noise multiplier")
    }

    static func perStep(q: Double, z: Double, alpha: Double) -> Double {
        if q == 1 { return alpha / (2 * z * z) }
        if alpha == alpha.rounded(), alpha < Double(Int32.max) {
            return logAInteger(q: q, z: z, alpha: Int(alpha)) / (alpha - 1)
        }
        return logAFractional(q: q, z: z, alpha: alpha) / (alpha - 1)
    }

    /// log(A_alpha) for integer alpha and 0 < q < 1.
    static func logAInteger(q: Double, z: Double, alpha: Int) -> Double {
        let logQ = log(q)
        let logOneMinusQ = log1p(-q)
        let twoVariance = 2 * (z * z)
        var logA = -Double.infinity
        for i in 0...alpha {
            let logCoefficient = LogSpace.logBinomial(alpha, i) + Double(i) * logQ + Double(alpha - i) * logOneMinusQ
            let term = logCoefficient + Double(i * i - i) / twoVariance
            logA = LogSpace.add(logA, term)
        }
        return logA
    }

    /// log(A_alpha) for fractional alpha and 0 < q < 1 (the two-series formula).
    static func logAFractional(q: Double, z: Double, alpha: Double) -> Double {
        var logA0 = -Double.infinity
        var logA1 = -Double.infinity
        let z0 = (z * z) * log(1 / q - 1) + 0.5
        let logQ = log(q)
        let logOneMinusQ = log1p(-q)
        let twoVariance = 2 * (z * z)
        let erfcScale = 2.0.squareRoot() * z
        let logHalf = log(0.5)
        var lastTerm0 = -Double.infinity
        var lastTerm1 = -Double.infinity
        for i in 0..<maximumFractionalTerms {
            let index = Double(i)
            let logCoefficient = LogSpace.logBinomial(real: alpha, i)
            let j = alpha - index
            let logT0 = logCoefficient + index * logQ + j * logOneMinusQ
            let logT1 = logCoefficient + j * logQ + index * logOneMinusQ
            let logE0 = logHalf + LogSpace.logErfc((index - z0) / erfcScale)
            let logE1 = logHalf + LogSpace.logErfc((z0 - j) / erfcScale)
            let logS0 = logT0 + (index * index - index) / twoVariance + logE0
            let logS1 = logT1 + (j * j - j) / twoVariance + logE1
            logA0 = LogSpace.add(logA0, logS0)
            logA1 = LogSpace.add(logA1, logS1)
            let total = LogSpace.add(logA0, logA1)
            if logS0 < lastTerm0, logS1 < lastTerm1, max(logS0, logS1) < total - 30 {
                return total
            }
            lastTerm0 = logS0
            lastTerm1 = logS1
        }
        // Not converged: report no guarantee at this order rather than a wrong one.
        return .infinity
    }
}
