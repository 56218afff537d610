import Foundation

/// Exact samples of the Poisson distribution with a rational mean mu = a/b, using only
/// uniform random bits and exact comparisons; O(sqrt(mu)) expected draws below a mode of 1024,
/// O(1) expected work above it.
///
/// Method (rejection from a mode-centred envelope; written for Apiary, using the classical
/// ratio structure of the Poisson pmf). Let m = floor(mu) and r(j) = P(m + j) / P(m). Then
///
///     r(j)  = prod_{i=1..j}   mu / (m + i)      for j > 0   (every factor <= 1),
///     r(-l) = prod_{i=0..l-1} (m - i) / mu      for l > 0   (every factor <= 1),
///
/// all rationals. The envelope e(j) is 1 on the window |j| <= L (L = floor(sqrt m) + 1) and
/// a geometric tail outside it, with ratio rhoR = mu/(m+L+1) on the right and
/// rhoL = (m-L)/mu on the left, so that r(j) <= e(j) and r(j)/e(j) is again a product of
/// rational factors <= 1:
///
///     j > L:   prod_{i<=L} mu/(m+i) * prod_{L<i<=j} (m+L+1)/(m+i)
///     j < -L:  prod_{i<L} (m-i)/mu  * prod_{L<=i<l} (m-i)/(m-L).
///
/// A proposal picks the window (weight 2L+1, fewer at the left edge when m < L) or a tail
/// (weights rhoR/(1-rhoR) and rhoL/(1-rhoL), rational: drawn as an integer ceiling then
/// thinned by an exact coin), draws the offset (uniform in the window, or a geometric count
/// in a tail), and accepts it with probability r(j)/e(j). The envelope's mass is about
/// 4 sqrt(mu) against the target's sqrt(2 pi mu), so ~60% of proposals are accepted.
///
/// Below a mode of `estimateThreshold` the acceptance is a run of the factors' coins, one by
/// one, stopping at the first failure (consecutive coins batched into one while the product
/// fits in 64 bits), and a tail count is a run of rho-coins: O(sqrt(mu)) coins.
/// Above it each decision is the event U < p for one uniform U drawn lazily (`LazyUniform`):
/// p = r(j)/e(j) is bounded in floating point in O(1) (`LogSumEstimate`: Euler-Maclaurin on
/// the sum of the factors' logarithms, with its remainder and rounding bounded), which decides
/// from U's first 64 bits except with probability about 1e-10; then p is bounded with integers
/// (`RationalProductBounds`) at whatever precision decides. A tail count is the least k with
/// U >= rho^k, guessed from U's first bits and confirmed the same way. Every decision therefore
/// equals the comparison of an infinitely precise U with the exact p, and the output is
/// exactly Poisson(mu); nothing is rounded or truncated. Measured with OpenSSL randomness
/// through `BufferedRandom` (release build, docs/PERFORMANCE.md): ~130 us per draw at
/// mu = 10^7 with coin runs, about 1 us with the estimates at any mean.
public struct PoissonSampler: Sendable {
    /// The mean.
    public let mean: ExactRational
    private let a: UInt64
    private let b: UInt64
    private let mode: UInt64
    private let halfWidth: UInt64
    private let windowLeft: UInt64
    private let windowWeight: UInt64
    /// b (m + L + 1): denominator of rhoR = a / rightDenominator.
    private let rightDenominator: UInt64
    /// Integer ceiling of the right tail's weight and the thinning coin making it exact.
    private let rightWeightCeiling: UInt64
    private let rightThinning: (UInt64, UInt64)
    /// Same for the left tail (weights 0 when the left tail is empty, m <= L).
    private let leftRatioNumerator: UInt64
    private let leftWeightCeiling: UInt64
    private let leftThinning: (UInt64, UInt64)
    private let totalWeight: UInt64
    /// Whether the mode is large enough for `estimateThreshold`'s method.
    private let usesEstimates: Bool
    /// mu and f = mu - m as doubles, for the estimates only.
    private let meanValue: Double
    private let fraction: Double

    /// A sampler for Poisson(mean).
    /// - Throws: `ApiaryError(.outOfRange)` if the mean's numerator exceeds 2^62 or
    ///   b (m + L + 1) does not fit in 64 bits (use a coarser denominator).
    public init(mean: ExactRational) throws {
        let a = mean.numerator
        let b = mean.denominator
        guard a <= 1 << 62 else {
            throw ApiaryError(.outOfRange, "Poisson mean \(mean) is too large (numerator above 2^62)")
        }
        let m = a / b
        let halfWidth = DiscreteGaussianSampler.integerSquareRoot(m) + 1
        let (rightDenominator, overflow) = b.multipliedReportingOverflow(by: m + halfWidth + 1)
        guard !overflow, rightDenominator <= 1 << 63 else {
            throw ApiaryError(.outOfRange, "Poisson mean \(mean): denominator times (mean + sqrt(mean)) overflows 64 bits; use a coarser denominator")
        }
        self.mean = mean
        self.a = a
        self.b = b
        self.mode = m
        self.halfWidth = halfWidth
        self.windowLeft = min(halfWidth, m)
        self.windowWeight = halfWidth + 1 + windowLeft
        self.rightDenominator = rightDenominator
        // Right tail weight rhoR/(1-rhoR) = a / (b(m+L+1) - a) > 0.
        let rightGap = rightDenominator - a
        let rightCeiling = (a + rightGap - 1) / rightGap
        self.rightWeightCeiling = rightCeiling
        self.rightThinning = (a, rightGap * rightCeiling)
        if m > halfWidth {
            // Left tail weight rhoL/(1-rhoL) = b(m-L) / (a - b(m-L)), rhoL = b(m-L)/a < 1.
            let leftNumerator = b * (m - halfWidth)
            let leftGap = a - leftNumerator
            let leftCeiling = (leftNumerator + leftGap - 1) / leftGap
            self.leftRatioNumerator = leftNumerator
            self.leftWeightCeiling = leftCeiling
            self.leftThinning = (leftNumerator, leftGap * leftCeiling)
        } else {
            self.leftRatioNumerator = 0
            self.leftWeightCeiling = 0
            self.leftThinning = (0, 1)
        }
        self.totalWeight = windowWeight + rightWeightCeiling + leftWeightCeiling
        self.usesEstimates = m >= Self.estimateThreshold
        self.meanValue = Double(a) / Double(b)
        self.fraction = Double(a % b) / Double(b)
    }

    /// One sample.
    public func sample(using source: some RandomSource) -> UInt64 {
        if a == 0 { return 0 }
        while true {
            let pick = source.uniform(below: totalWeight)
            if pick < windowWeight {
                // Window offset j in [-windowLeft, L], proposal weight 1 each.
                if pick >= windowLeft {
                    let j = pick - windowLeft
                    if acceptRight(j, using: source) { return mode + j }
                } else {
                    let l = windowLeft - pick
                    if acceptLeft(l, using: source) { return mode - l }
                }
            } else if pick < windowWeight + rightWeightCeiling {
                guard coin(rightThinning, source) else { continue }
                let j = halfWidth + geometricCount(a, over: rightDenominator, using: source)
                if acceptRight(j, using: source) { return mode + j }
            } else {
                guard coin(leftThinning, source) else { continue }
                let l = halfWidth + geometricCount(leftRatioNumerator, over: a, using: source)
                // Offsets below -m would be negative counts: probability 0 under the target.
                if l <= mode, acceptLeft(l, using: source) { return mode - l }
            }
        }
    }

    @inline(__always)
    private func coin(_ probability: (UInt64, UInt64), _ source: some RandomSource) -> Bool {
        BernoulliExponential.bernoulli(probability.0, over: probability.1, using: source)
    }

    /// Accepts offset j >= 0 with probability r(j) / e(j).
    private func acceptRight(_ j: UInt64, using source: some RandomSource) -> Bool {
        if j == 0 { return true }
        if usesEstimates, let estimate = rightAcceptanceLog(j) {
            return accept(estimate, factors: rightFactors(j), using: source)
        }
        return coinRun(rightFactors(j), using: source)
    }

    /// Accepts offset -l (l >= 1, l <= m) with probability r(-l) / e(-l).
    private func acceptLeft(_ l: UInt64, using source: some RandomSource) -> Bool {
        if usesEstimates, let estimate = leftAcceptanceLog(l) {
            return accept(estimate, factors: leftFactors(l), using: source)
        }
        return coinRun(leftFactors(l), using: source)
    }

    /// true if every factor's coin succeeds, flipped in order and stopping at the first failure.
    private func coinRun(_ factors: AcceptanceFactors, using source: some RandomSource) -> Bool {
        var coins = CoinProduct()
        for (numerator, denominator) in factors {
            if !coins.multiply(numerator, over: denominator, using: source) { return false }
        }
        return coins.flip(using: source)
    }

    // MARK: Large means: one lazily compared uniform per decision

    /// The mode from which acceptance tests and tail counts use floating-point estimates with
    /// an exact fallback instead of coin runs (below it the runs are short anyway).
    static let estimateThreshold: UInt64 = 1024

    /// true with probability exactly prod factors (= exp of the estimate's true value): one
    /// uniform U, compared with the estimate's bounds and, in the rare case they cannot
    /// decide, with exact integer bounds on the product.
    private func accept(_ estimate: LogSumEstimate, factors: AcceptanceFactors, using source: some RandomSource) -> Bool {
        var uniform = LazyUniform(using: source)
        return uniform.isBelow(estimate, exactBounds: { RationalProductBounds.product(of: factors, precision: $0) }, using: source)
    }

    /// log r(j)/e(j) for j >= 1: the window factors mu/(m+i) = 1/(1 + (i - f)/mu), i = 1...min(j, L),
    /// with f = mu - m, and the tail factors (m+L+1)/(m+i) = 1/(1 + (i-L-1)/(m+L+1)), i = L+1...j.
    /// nil where a factor is outside the estimate's range (j beyond a quarter of the mean).
    func rightAcceptanceLog(_ j: UInt64) -> LogSumEstimate? {
        guard let window = LogSumEstimate.logOnePlusSum(count: min(j, halfWidth), offset: 1 - fraction,
                                                        scale: meanValue, sign: 1) else { return nil }
        guard j > halfWidth else { return -window }
        guard let tail = LogSumEstimate.logOnePlusSum(count: j - halfWidth, offset: 0,
                                                      scale: Double(mode + halfWidth + 1), sign: 1) else { return nil }
        return -window + -tail
    }

    /// log r(-l)/e(-l) for 1 <= l <= m: the window factors (m-i)/mu = 1 - (i + f)/mu, i < min(l, L),
    /// and the tail factors (m-i)/(m-L) = 1 - (i-L)/(m-L), L <= i < l.
    func leftAcceptanceLog(_ l: UInt64) -> LogSumEstimate? {
        guard let window = LogSumEstimate.logOnePlusSum(count: min(l, halfWidth), offset: fraction,
                                                        scale: meanValue, sign: -1) else { return nil }
        guard l > halfWidth else { return window }
        guard let tail = LogSumEstimate.logOnePlusSum(count: l - halfWidth, offset: 0,
                                                      scale: Double(mode - halfWidth), sign: -1) else { return nil }
        return window + tail
    }

    /// The rational factors of r(j)/e(j), j >= 1, in the order the coin runs flip them:
    /// mu/(m+i) = a/(b(m+i)) for i = 1...min(j, L), then (m+L+1)/(m+i) for i = L+1...j.
    func rightFactors(_ j: UInt64) -> AcceptanceFactors {
        AcceptanceFactors(a: a, b: b, mode: mode, halfWidth: halfWidth, right: true, count: j)
    }

    /// The rational factors of r(-l)/e(-l), 1 <= l <= m: (m-i)/mu = b(m-i)/a for i < min(l, L),
    /// then (m-i)/(m-L) for L <= i < l.
    func leftFactors(_ l: UInt64) -> AcceptanceFactors {
        AcceptanceFactors(a: a, b: b, mode: mode, halfWidth: halfWidth, right: false, count: l)
    }

    /// The factors of one acceptance probability, each n/d <= 1, generated one at a time: the
    /// coin runs flip them and the exact fallback multiplies them, so both see the same product.
    /// Every denominator fits in 64 bits (b(m+i) <= b(m+L+1), checked at construction).
    struct AcceptanceFactors: Sequence, IteratorProtocol {
        let a: UInt64, b: UInt64, mode: UInt64, halfWidth: UInt64
        let right: Bool
        let count: UInt64
        private var produced: UInt64 = 0

        init(a: UInt64, b: UInt64, mode: UInt64, halfWidth: UInt64, right: Bool, count: UInt64) {
            (self.a, self.b, self.mode, self.halfWidth, self.right, self.count) = (a, b, mode, halfWidth, right, count)
        }

        mutating func next() -> (UInt64, UInt64)? {
            guard produced < count else { return nil }
            defer { produced += 1 }
            if right {
                let i = produced + 1
                return i <= halfWidth ? (a, b * (mode + i)) : (mode + halfWidth + 1, mode + i)
            }
            let i = produced
            return i < halfWidth ? (b * (mode - i), a) : (mode - i, mode - halfWidth)
        }
    }

    /// K >= 1 with P(K > k) = (n/d)^k (n < d), the tail proposals' offset. Below the threshold,
    /// a run of n/d coins; above it, K is the least k with U >= (n/d)^k for one lazily drawn
    /// uniform U: guessed from U's first bits, then confirmed (or moved) by exact comparisons.
    func geometricCount(_ n: UInt64, over d: UInt64, using source: some RandomSource) -> UInt64 {
        guard usesEstimates else {
            var k: UInt64 = 1
            while BernoulliExponential.bernoulli(n, over: d, using: source) { k += 1 }
            return k
        }
        return Self.geometricByInversion(n, over: d, using: source)
    }

    static func geometricByInversion(_ n: UInt64, over d: UInt64, using source: some RandomSource) -> UInt64 {
        if n == 0 { return 1 }
        var uniform = LazyUniform(using: source)
        // log(n/d) to a few ulps relative: log1p of -(d-n)/d when n/d is near 1, log of n/d when
        // it is small (there 1 - (d-n)/d would lose n/d's low bits once d - n exceeds 2^53).
        let logRatio = n < d - n ? log(Double(n) / Double(d)) : log1p(-Double(d - n) / Double(d))
        func isBelowPower(_ k: UInt64) -> Bool {
            if k == 0 { return true }
            let exponent = Double(k) * logRatio
            return uniform.isBelow(LogSumEstimate(value: exponent, error: abs(exponent) * 1e-12),
                                   exactBounds: { RationalProductBounds.power(n, over: d, exponent: k, precision: $0) }, using: source)
        }
        let approximate = (Double(uniform.words[0] >> 11) + 0.5) * 0x1p-53
        var k = UInt64(min(0x1p62, max(1, (log(approximate) / logRatio).rounded(.down) + 1)))
        while true {
            if !isBelowPower(k - 1) { k -= 1; continue }
            if isBelowPower(k) { k += 1; continue }
            return k
        }
    }

    /// A run of independent rational coins that must all succeed, flipped as one coin whose
    /// probability is their product while numerator and denominator products fit in 64 bits.
    /// Why: P(all succeed) is the product either way, so batching is exact, and at moderate
    /// means it replaces up to four uniform draws by one. The product is flipped as soon as
    /// the next factor would overflow, so a failure still stops the run early.
    private struct CoinProduct {
        private var numerator: UInt64 = 1
        private var denominator: UInt64 = 1

        /// Multiplies in the coin n/d (n <= d); false if a batch flipped on the way failed.
        @inline(__always)
        mutating func multiply(_ n: UInt64, over d: UInt64, using source: some RandomSource) -> Bool {
            let (nextNumerator, numeratorOverflow) = numerator.multipliedReportingOverflow(by: n)
            let (nextDenominator, denominatorOverflow) = denominator.multipliedReportingOverflow(by: d)
            if !numeratorOverflow && !denominatorOverflow {
                numerator = nextNumerator
                denominator = nextDenominator
                return true
            }
            guard flip(using: source) else { return false }
            numerator = n
            denominator = d
            return true
        }

        /// Flips the accumulated product and starts a new one.
        mutating func flip(using source: some RandomSource) -> Bool {
            defer { numerator = 1; denominator = 1 }
            return BernoulliExponential.bernoulli(numerator, over: denominator, using: source)
        }
    }
}
