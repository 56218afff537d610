import Foundation

/// The least noise that reaches a target (epsilon, delta): the inverse of the accountant.
///
/// Epsilon falls monotonically as noise grows, so the answer is found by bracketing (halving
/// or doubling until the target is crossed) and then bisecting on a logarithmic scale until
/// the bracket is narrower than `relativeTolerance`. The upper end of the bracket is
/// returned: it always meets the target, and it exceeds the minimal noise by at most the
/// tolerance (1e-9 by default, far inside the 1% the design asks for).
public enum NoiseCalibration {
    /// Largest noise tried before declaring a target unreachable.
    static let largestNoise = 1e12

    /// The smallest noise multiplier z such that `steps` rounds of the Poisson-subsampled
    /// Gaussian at rate `samplingRate` are (targetEpsilon, delta)-DP over `grid`.
    /// - Throws: `ApiaryError(.invalidArgument)` naming a bad parameter;
    ///   `ApiaryError(.outOfRange)` if no noise up to 1e12 reaches the target.
    public static func noiseMultiplier(targetEpsilon: Double, delta: Double, samplingRate: Double, steps: Int,
                                       grid: RDPOrderGrid = .dpAccountingDefault,
                                       relativeTolerance: Double = 1e-9) throws -> Double {
        try PrivacyParameterCheck.positive(targetEpsilon, "target epsilon")
        try PrivacyParameterCheck.delta(delta)
        try PrivacyParameterCheck.samplingRate(samplingRate)
        try PrivacyParameterCheck.steps(steps)
        let factor = Double(steps)
        // Calibration evaluates ~40 distinct z once each: compute directly, bypassing the cache.
        return try smallestNoise(target: targetEpsilon, initialGuess: 1, tolerance: relativeTolerance) { z in
            let values = grid.orders.map { SubsampledGaussianRDP.perStep(q: samplingRate, z: z, alpha: $0) * factor }
            return try RDPCurve(unchecked: grid.orders, values: values).epsilon(delta: delta).epsilon
        }
    }

    /// The smallest total Skellam mu (per-coordinate Poisson mean of the summed noise) such
    /// that `steps` releases with sensitivities `l1`, `l2` are (targetEpsilon, delta)-DP.
    public static func skellamMu(targetEpsilon: Double, delta: Double, l1: Double, l2: Double, steps: Int,
                                 grid: RDPOrderGrid = .dpAccountingDefault,
                                 relativeTolerance: Double = 1e-9) throws -> Double {
        try PrivacyParameterCheck.positive(targetEpsilon, "target epsilon")
        try PrivacyParameterCheck.delta(delta)
        try PrivacyParameterCheck.positive(l1, "L1 sensitivity")
        try PrivacyParameterCheck.positive(l2, "L2 sensitivity")
        try PrivacyParameterCheck.steps(steps)
        // A Gaussian of variance 2 mu needs roughly mu = l2^2 steps log(1/delta) / eps^2: a good start.
        let guess = max(1e-6, l2 * l2 * Double(steps) * -log(delta) / (targetEpsilon * targetEpsilon))
        return try smallestNoise(target: targetEpsilon, initialGuess: guess, tolerance: relativeTolerance) { mu in
            try SkellamRDP.curve(mu: mu, l1: l1, l2: l2, steps: steps, grid: grid).epsilon(delta: delta).epsilon
        }
    }

    /// Bracket-and-bisect for the least x with epsilonAt(x) <= target, epsilonAt decreasing.
    static func smallestNoise(target: Double, initialGuess: Double, tolerance: Double,
                              epsilonAt: (Double) throws -> Double) throws -> Double {
        guard tolerance.isFinite, tolerance > 0, tolerance < 0.01 else {
            throw ApiaryError(.invalidArgument, "relative tolerance must lie in (0, 0.01), got \(tolerance)")
        }
        var upper = initialGuess
        var lower = initialGuess
        if try epsilonAt(upper) <= target {
            // Walk down until the target is missed; that point is a strict lower bound.
            repeat {
                upper = lower
                lower /= 2
                if lower < 1e-12 { return upper }
            } while try epsilonAt(lower) <= target
        } else {
            repeat {
                lower = upper
                upper *= 2
                if upper > largestNoise {
                    throw ApiaryError(.outOfRange, "no noise up to \(largestNoise) reaches epsilon \(target); raise the target epsilon or delta, or lower the steps or sampling rate")
                }
            } while try epsilonAt(upper) > target
        }
        // Invariant: epsilonAt(lower) > target >= epsilonAt(upper).
        while upper / lower - 1 > tolerance {
            let middle = (lower * upper).squareRoot()
            if try epsilonAt(middle) <= target { upper = middle } else { lower = middle }
        }
        return upper
    }
}
