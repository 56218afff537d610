/// Exact samples of the discrete Gaussian N_Z(0, sigma^2) on the integers,
/// P(y) proportional to exp(-y^2 / (2 sigma^2)), with a rational variance parameter sigma^2.
///
/// Canonne, Kamath and Steinke 2020, Algorithm 3: with t = floor(sigma) + 1, draw Y from the
/// discrete Laplace of scale t and keep it with probability
/// exp(-(|Y| - sigma^2/t)^2 / (2 sigma^2)). With sigma^2 = a/b that exponent is the rational
/// (|Y| b t - a)^2 / (2 a b t^2); its square is formed in 128 bits and split into whole and
/// fractional parts by a full-width division, so the test is exact. Expected trials < 2.
public struct DiscreteGaussianSampler: Sendable {
    /// sigma^2 (the variance parameter; the actual variance is slightly below it).
    public let sigmaSquared: ExactRational
    /// floor(sigma) + 1, the scale of the Laplace proposal.
    let laplaceScale: UInt64
    /// b * t and 2 a b t^2, checked once to fit in 64 bits.
    let bt: UInt64
    let exponentDenominator: UInt64

    /// A sampler for sigma^2 = `sigmaSquared`.
    /// - Throws: `ApiaryError(.invalidArgument)` for sigma^2 = 0; `ApiaryError(.outOfRange)`
    ///   when 2 a b t^2 does not fit in 64 bits (sigma beyond about 5e4 with an integer
    ///   sigma^2; use a smaller denominator or the Skellam sampler for such scales).
    public init(sigmaSquared: ExactRational) throws {
        let a = sigmaSquared.numerator
        let b = sigmaSquared.denominator
        guard a > 0 else {
            throw ApiaryError(.invalidArgument, "discrete Gaussian sigma^2 must be positive, got \(sigmaSquared)")
        }
        let t = DiscreteGaussianSampler.integerSquareRoot(a / b) + 1
        let tooLarge = ApiaryError(.outOfRange, "discrete Gaussian sigma^2 = \(sigmaSquared) is too large for 64-bit exact arithmetic")
        let (bt, o1) = b.multipliedReportingOverflow(by: t)
        let (abt, o2) = bt.multipliedReportingOverflow(by: a)
        let (abtt, o3) = abt.multipliedReportingOverflow(by: t)
        let (denominator, o4) = abtt.multipliedReportingOverflow(by: 2)
        guard !(o1 || o2 || o3 || o4) else { throw tooLarge }
        self.sigmaSquared = sigmaSquared
        self.laplaceScale = t
        self.bt = bt
        self.exponentDenominator = denominator
    }

    /// One sample.
    public func sample(using source: some RandomSource) -> Int64 {
        let a = sigmaSquared.numerator
        while true {
            let y = DiscreteLaplaceSampler.sample(t: laplaceScale, s: 1, using: source)
            let magnitude = y.magnitude
            let (ybt, overflow) = magnitude.multipliedReportingOverflow(by: bt)
            if overflow {
                // 2 a b t^2 < 2^64 forces a < 2^63, so |Y| b t - a >= 2^63 and the exponent
                // is at least 2^126 / 2^64 = 2^62.
                rejectHugeExponent(wholePartAtLeast: 1 << 62, using: source)
                continue
            }
            let difference = ybt >= a ? ybt - a : a - ybt
            let square = difference.multipliedFullWidth(by: difference)
            if square.high >= exponentDenominator {
                // The whole part of the exponent is at least 2^64.
                rejectHugeExponent(wholePartAtLeast: UInt64.max, using: source)
                continue
            }
            let (whole, fraction) = exponentDenominator.dividingFullWidth((square.high, square.low))
            let accepted = BernoulliExponential.sample(wholePart: whole, fraction: fraction,
                                                       over: exponentDenominator, using: source)
            if accepted { return y }
        }
    }

    /// Decides an acceptance coin whose exponent exceeds 64 bits. The coin is still flipped
    /// (exp(-1) coins, one per unit of the known lower bound), so the sampler stays exact;
    /// the loop ends at the first failure. Passing all of them (probability below
    /// exp(-2^62)) would require the rest of the exponent, which 64-bit arithmetic cannot
    /// hold, so that impossible event stops the process instead of returning a biased value.
    private func rejectHugeExponent(wholePartAtLeast bound: UInt64, using source: some RandomSource) {
        if BernoulliExponential.sample(wholePart: bound, fraction: 0, over: 1, using: source) {
            preconditionFailure("discrete Gaussian: an event of probability below exp(-2^62) occurred")
        }
    }

    /// floor(sqrt(n)), exact for every UInt64.
    static func integerSquareRoot(_ n: UInt64) -> UInt64 {
        var root = UInt64(Double(n).squareRoot())
        // The double estimate can be off by one either way near 2^64; correct it exactly.
        while root > 0, root.multipliedReportingOverflow(by: root).overflow || root * root > n { root -= 1 }
        while true {
            let next = root + 1
            let (square, overflow) = next.multipliedReportingOverflow(by: next)
            if overflow || square > n { return root }
            root = next
        }
    }
}
