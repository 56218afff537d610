/// Exact samples of the Poisson distribution with a rational mean mu = a/b, using only
/// integer coin flips, in O(sqrt(mu)) expected uniform draws per sample.
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
/// of rho-coins in a tail), and is accepted by flipping the factors above one by one,
/// stopping at the first failure. Every coin compares a uniform integer with an integer
/// threshold, so the output is exactly Poisson(mu); nothing is rounded or truncated. The
/// envelope's mass is about 4 sqrt(mu) against the target's sqrt(2 pi mu), so ~60% of
/// proposals are accepted, each costing O(sqrt(mu)) coins, instead of the O(mu) of splitting
/// mu into unit chunks. Consecutive acceptance coins are batched into one coin with the
/// product probability while it fits in 64 bits (exact, and up to 4x fewer draws). Measured
/// with OpenSSL randomness through `BufferedRandom` (release build): ~130 us per draw at
/// mu = 10^7, ~9 us at mu = 5 * 10^4.
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
                var k: UInt64 = 1
                while BernoulliExponential.bernoulli(a, over: rightDenominator, using: source) { k += 1 }
                let j = halfWidth + k
                if acceptRight(j, using: source) { return mode + j }
            } else {
                guard coin(leftThinning, source) else { continue }
                var k: UInt64 = 1
                while BernoulliExponential.bernoulli(leftRatioNumerator, over: a, using: source) { k += 1 }
                let l = halfWidth + k
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
        var coins = CoinProduct()
        for i in 1...min(j, halfWidth) {
            // mu / (m + i) = a / (b (m + i)); b (m + i) <= b (m + L + 1) fits.
            if !coins.multiply(a, over: b * (mode + i), using: source) { return false }
        }
        if j > halfWidth {
            let edge = mode + halfWidth + 1
            for i in (halfWidth + 1)...j {
                if !coins.multiply(edge, over: mode + i, using: source) { return false }
            }
        }
        return coins.flip(using: source)
    }

    /// Accepts offset -l (l >= 1, l <= m) with probability r(-l) / e(-l).
    private func acceptLeft(_ l: UInt64, using source: some RandomSource) -> Bool {
        var coins = CoinProduct()
        for i in 0..<min(l, halfWidth) {
            // (m - i) / mu = b (m - i) / a <= 1.
            if !coins.multiply(b * (mode - i), over: a, using: source) { return false }
        }
        if l > halfWidth {
            let edge = mode - halfWidth
            for i in halfWidth..<l {
                if !coins.multiply(mode - i, over: edge, using: source) { return false }
            }
        }
        return coins.flip(using: source)
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
