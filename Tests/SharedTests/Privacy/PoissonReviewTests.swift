import Foundation
import Testing
@testable import Shared

/// Review tests for the large-mean Poisson method: adversarial means (just above the 1024
/// threshold, denominators up to 2^52, numerators near 2^62, fractions near 0 and 1), the
/// Euler-Maclaurin bounds against exact rational products at the edge of their range
/// (|z| = 1/4, small scales where the remainder matters), forced exact fallbacks with U's
/// expansion agreeing with p's for several words, and frequency tests against the pmf.
/// Ground truth is exact big-integer arithmetic throughout (products by a product tree).
@Suite("Poisson sampler review")
struct PoissonReviewTests {
    typealias Scripted = PoissonLargeMeanTests.ScriptedRandom

    // MARK: Exact helpers

    /// prod values, by a balanced product tree (fast for thousands of 64-bit factors).
    static func product(_ values: ArraySlice<UInt64>) -> BigUInt {
        if values.isEmpty { return BigUInt(1) }
        if values.count == 1 { return BigUInt(values.first!) }
        let middle = values.startIndex + values.count / 2
        return product(values[values.startIndex..<middle]) * product(values[middle...])
    }

    static func exactProduct(_ factors: [(UInt64, UInt64)]) -> (BigUInt, BigUInt) {
        (product(factors.map(\.0)[...]), product(factors.map(\.1)[...]))
    }

    /// Sign of x - n/d for a finite double x >= 0 (exact: x is a dyadic rational).
    static func compare(_ x: Double, _ n: BigUInt, _ d: BigUInt) -> Int {
        if x == 0 { return n.isZero ? 0 : -1 }
        let significand: UInt64
        let exponent: Int
        if x.isNormal {
            significand = x.significandBitPattern | (1 << 52)
            exponent = Int(x.exponent) - 52
        } else {
            significand = x.significandBitPattern
            exponent = -1074
        }
        var left = BigUInt(significand) * d
        var right = n
        if exponent >= 0 { left = left << exponent } else { right = right << -exponent }
        return left == right ? 0 : (left < right ? -1 : 1)
    }

    /// lower <= n/d <= upper, exactly.
    static func contains(_ bounds: (lower: Double, upper: Double), _ n: BigUInt, _ d: BigUInt) -> Bool {
        compare(bounds.lower, n, d) <= 0 && compare(bounds.upper, n, d) >= 0
    }

    /// The first `count` 64-bit words of n/d's binary expansion (n <= d).
    static func expansion(_ n: BigUInt, _ d: BigUInt, words count: Int) -> [UInt64] {
        var scaled = (n << (64 * count)) / d
        var words = [UInt64](repeating: 0, count: count)
        let mask = (BigUInt(1) << 64) - BigUInt(1)
        for index in stride(from: count - 1, through: 0, by: -1) {
            words[index] = (scaled % (mask + BigUInt(1))).uint64Value!
            scaled = scaled >> 64
        }
        return words
    }

    /// Words whose prefix is given, then a seeded stream we can reproduce.
    static func scriptedWords(_ prefix: [UInt64], total: Int, seed: UInt64) -> [UInt64] {
        let tail = SeededRandom(seed: seed)
        return prefix + (prefix.count..<total).map { _ in tail.nextUInt64() }
    }

    static func prefixValue(_ words: [UInt64]) -> BigUInt {
        var value = BigUInt(0)
        for word in words { value = (value << 64).adding(word) }
        return value
    }

    // MARK: Adversarial means

    struct MeanCase {
        let a: UInt64, b: UInt64
        /// Whether tail offsets (which need about L exact factors) are affordable.
        let tails: Bool
    }

    static let adversarialMeans: [MeanCase] = {
        let b0: UInt64 = (1 << 62) / 1025
        return [
            MeanCase(a: 3073, b: 3, tails: true),                              // 1024 + 1/3
            MeanCase(a: 1024, b: 1, tails: true),                              // f = 0 exactly
            MeanCase(a: 1024 << 20 + 1, b: 1 << 20, tails: true),              // f = 2^-20
            MeanCase(a: 1025 << 20 - 1, b: 1 << 20, tails: true),              // f = 1 - 2^-20
            MeanCase(a: (1 << 62) - 1, b: (1 << 52) - 1, tails: true),         // a > 2^53, m = 1024
            MeanCase(a: 1025 * b0 - 1, b: b0, tails: true),                    // f = 1 - 1/b, 1/b ~ 2^-52
            MeanCase(a: 1 << 62, b: (1 << 40) + 1, tails: true),               // mu ~ 2^22, odd b
            MeanCase(a: (1 << 62) - 3, b: (1 << 40) + 1, tails: true),         // Double(a) rounds
            MeanCase(a: 1 << 62, b: 1, tails: false),                          // mu = 2^62
            MeanCase(a: (1 << 62) - 1, b: 1, tails: false),                    // Double(a) = 2^62
            MeanCase(a: (1 << 62) - 2, b: 3, tails: false),                    // f = 2/3 at 1.5e18
        ]
    }()

    @Test("adversarial means: float bounds contain the exact acceptance product at random and edge offsets")
    func boundsContainExactProductAtAdversarialMeans() throws {
        let source = SeededRandom(seed: 101)
        var checked = 0
        for mean in Self.adversarialMeans {
            let rational = try ExactRational(mean.a, mean.b)
            let sampler = try PoissonSampler(mean: rational)
            let m = rational.numerator / rational.denominator
            let width = DiscreteGaussianSampler.integerSquareRoot(m) + 1
            var right: [UInt64] = [1, 2, 3]
            var left: [UInt64] = [1, 2, 3]
            if mean.tails {
                right += [width - 1, width, width + 1, width + 2, 2 * width, 3 * width]
                left += [width - 1, width, width + 1, width + 2, 2 * width, 3 * width]
                for _ in 0..<6 {
                    right.append(1 + source.uniform(below: 4 * width))
                    left.append(1 + source.uniform(below: 4 * width))
                }
                if m < 5000 {
                    // The last offsets inside |z| <= 1/4 on each side, and the first outside.
                    let rightLast = width + 1 + (m + width + 1) / 4
                    let leftLast = min(m, width + 1 + (m - width) / 4)
                    right += [rightLast - 1, rightLast]
                    left += [leftLast - 1, leftLast]
                    #expect(sampler.rightAcceptanceLog(rightLast + 1) == nil, "mu \(rational): right z > 1/4 accepted")
                    if leftLast < m {
                        #expect(sampler.leftAcceptanceLog(leftLast + 1) == nil, "mu \(rational): left z > 1/4 accepted")
                    }
                }
            } else {
                right += [100, 1000, 2000]
                left += [100, 1000, 2000]
            }
            for (side, offsets) in [("right", right), ("left", left)] {
                for j in offsets where side == "right" || j <= m {
                    let estimate = try #require(side == "right" ? sampler.rightAcceptanceLog(j) : sampler.leftAcceptanceLog(j),
                                                "mu \(rational) \(side) \(j): no estimate")
                    let factors = Array(side == "right" ? sampler.rightFactors(j) : sampler.leftFactors(j))
                    #expect(UInt64(factors.count) == j, "mu \(rational) \(side) \(j): \(factors.count) factors")
                    #expect(factors.allSatisfy { $0.0 <= $0.1 && $0.1 > 0 }, "mu \(rational) \(side) \(j): a factor above 1")
                    let (n, d) = Self.exactProduct(factors)
                    let bounds = estimate.exponentialBounds
                    #expect(Self.contains(bounds, n, d),
                            "mu \(rational) \(side) \(j): exact product outside [\(bounds.lower), \(bounds.upper)]")
                    #expect(estimate.error < 1e-8, "mu \(rational) \(side) \(j): error bound \(estimate.error)")
                    checked += 1
                }
            }
        }
        #expect(checked > 150)
    }

    @Test("Euler-Maclaurin bounds hold at small scales and at |z| = 1/4, both signs, against exact products")
    func logSumBoundsAgainstExactProducts() {
        let source = SeededRandom(seed: 102)
        var worstRatio = 0.0
        var cases = 0
        for trial in 0..<400 {
            // scale D = P / 2^k and offset c = u / 2^k, both exact doubles.
            let k = [0, 0, 7, 20, 30][trial % 5]
            let magnitude = [4.0, 5, 9, 40, 300, 5000, 1e6, 1e12][Int(source.uniform(below: 8))]
            let scale = magnitude * (1 + Double(source.uniform(below: 1000)) / 1000)
            let scaled = (scale * pow(2, Double(k))).rounded(.down)
            guard scaled >= 1, scaled < 0x1p53 else { continue }
            let P = UInt64(scaled)
            let D = Double(P) / pow(2, Double(k))
            // Offsets in [0, 1) mostly (as in the sampler), sometimes up to D / 8.
            let unit: UInt64 = 1 << k
            let u: UInt64 = trial % 4 == 3 ? source.uniform(below: max(1, P / 8)) : source.uniform(below: unit)
            let c = Double(u) / pow(2, Double(k))
            let sign: Double = trial % 2 == 0 ? 1 : -1
            // Largest count with |(count - 1 + c) / D| <= 1/4; test it and a random smaller one.
            guard P / 4 >= u else { continue }
            let maxCount = (P / 4 - u) / unit + 1
            for count in [min(maxCount, 4000), 1 + source.uniform(below: min(maxCount, 4000))] {
                guard let estimate = LogSumEstimate.logOnePlusSum(count: count, offset: c, scale: D, sign: sign) else {
                    Issue.record("D \(D) c \(c) s \(sign) n \(count): nil inside the range")
                    continue
                }
                // Factors 1 + s z_t = (P + s (t 2^k + u)) / P, exactly.
                let terms = (0..<count).map { t -> UInt64 in
                    let v = t * unit + u
                    return sign > 0 ? P + v : P - v
                }
                let numerator = Self.product(terms[...])
                let denominator = Self.product([UInt64](repeating: P, count: Int(count))[...])
                let bounds = estimate.exponentialBounds
                #expect(Self.contains(bounds, numerator, denominator),
                        "D \(D) c \(c) s \(sign) n \(count): prod (1 + s z) outside [\(bounds.lower), \(bounds.upper)]")
                if abs(estimate.value) > 1e-12 { worstRatio = max(worstRatio, estimate.error / abs(estimate.value)) }
                cases += 1
            }
        }
        #expect(cases > 500)
        // Not vacuous: at D = 4 the remainder bound is about 1e-3 of the sum, far less at larger D.
        #expect(worstRatio < 1e-2, "error bounds unexpectedly loose: \(worstRatio)")
    }

    @Test("estimates are nil just outside |z| <= 1/4 and for a negative offset")
    func logSumRange() {
        #expect(LogSumEstimate.logOnePlusSum(count: 2, offset: 0, scale: 4, sign: 1) != nil)      // z = 1/4
        #expect(LogSumEstimate.logOnePlusSum(count: 2, offset: 0x1p-40, scale: 4, sign: 1) == nil)
        #expect(LogSumEstimate.logOnePlusSum(count: 2, offset: 0, scale: 4, sign: -1) != nil)     // z = -1/4
        #expect(LogSumEstimate.logOnePlusSum(count: 3, offset: 0, scale: 4, sign: -1) == nil)
        #expect(LogSumEstimate.logOnePlusSum(count: 1, offset: -0x1p-60, scale: 4, sign: 1) == nil)
        #expect(LogSumEstimate.logOnePlusSum(count: 0, offset: 9, scale: 1, sign: 1)?.value == 0)
    }

    @Test("forced fallback: U agreeing with p for several words is compared exactly (sampler factors)")
    func forcedFallbackWithSamplerFactors() throws {
        var fallbacks = 0
        for (a, b) in [(UInt64(3073), UInt64(3)), (1025 << 20 - 1, 1 << 20), (1 << 62, (1 << 40) + 1)] {
            let sampler = try PoissonSampler(mean: try ExactRational(a, b))
            let m = a / b
            let width = DiscreteGaussianSampler.integerSquareRoot(m) + 1
            for (side, j) in [("right", UInt64(1)), ("right", width), ("right", 2 * width + 3),
                              ("left", 1), ("left", width), ("left", 2 * width + 3)] {
                let estimate = try #require(side == "right" ? sampler.rightAcceptanceLog(j) : sampler.leftAcceptanceLog(j))
                let factors = Array(side == "right" ? sampler.rightFactors(j) : sampler.leftFactors(j))
                let (n, d) = Self.exactProduct(factors)
                for (variant, agreeing) in [0, 1, 3, 6].enumerated() {
                    // U's first `agreeing` words are p's; then words just below/above or random.
                    var prefix = Self.expansion(n, d, words: max(agreeing, 1))
                    if agreeing == 0 { prefix[0] = prefix[0] &+ (variant % 2 == 0 ? 1 : 0) }
                    let script = Self.scriptedWords(prefix, total: 24, seed: UInt64(100 * variant) + j)
                    var uniform = LazyUniform(words: [script[0]])
                    let (lower, upper) = estimate.exponentialBounds
                    #expect(uniform.isBelow(lower: lower, upper: upper) == nil,
                            "\(side) \(j): first word at p decided by floats")
                    let decision = uniform.isBelow(exactBounds: { RationalProductBounds.product(of: factors, precision: $0) },
                                                   using: Scripted(Array(script.dropFirst()), seed: 9))
                    fallbacks += 1
                    let drawn = uniform.words
                    #expect(drawn.count <= 24 && Array(script.prefix(drawn.count)) == drawn)
                    // Unless p is exactly the drawn prefix (a dyadic p, e.g. a factor over a = 2^62).
                    let dyadic = ((n << (64 * drawn.count)) % d).isZero
                    #expect(drawn.count >= agreeing || dyadic, "\(side) \(j): decided before U left p's expansion")
                    let cell = Self.prefixValue(drawn)
                    let bits = 64 * drawn.count
                    if decision {
                        #expect(!(n << bits < cell.adding(1) * d), "\(side) \(j) agreeing \(agreeing): U < p claimed")
                    } else {
                        #expect(!(cell * d < n << bits), "\(side) \(j) agreeing \(agreeing): U >= p claimed")
                    }
                }
            }
        }
        #expect(fallbacks == 72)
    }

    @Test("geometric by inversion: U placed at rho^k (several agreeing words) gives K = k or k + 1 consistently")
    func geometricAtBoundaries() throws {
        for (a, b) in [(UInt64(3073), UInt64(3)), (1 << 62, (1 << 40) + 1)] {
            let m = a / b
            let width = DiscreteGaussianSampler.integerSquareRoot(m) + 1
            // The sampler's two tail ratios.
            for (n, d) in [(a, b * (m + width + 1)), (b * (m - width), a)] {
                for k: UInt64 in [1, 2, 7, width, 3 * width + 1] {
                    let (pn, pd) = Self.exactProduct(Array(repeating: (n, d), count: Int(k)))
                    for agreeing in [1, 2, 4] {
                        let script = Self.scriptedWords(Self.expansion(pn, pd, words: agreeing), total: 16, seed: k &+ UInt64(agreeing))
                        let K = PoissonSampler.geometricByInversion(n, over: d, using: Scripted(script, seed: 3))
                        #expect(K == k || K == k + 1, "rho \(n)/\(d) k \(k): K = \(K)")
                        // Consistency with the 16-word prefix: rho^K <= U < rho^(K-1) must be possible.
                        let cell = Self.prefixValue(script)
                        let bits = 64 * script.count
                        let (kn, kd) = Self.exactProduct(Array(repeating: (n, d), count: Int(K)))
                        let (qn, qd) = Self.exactProduct(Array(repeating: (n, d), count: Int(K - 1)))
                        #expect(kn << bits < cell.adding(1) * kd, "rho \(n)/\(d): U < rho^\(K) for the whole cell")
                        #expect(cell * qd < qn << bits, "rho \(n)/\(d): U >= rho^\(K - 1) for the whole cell")
                    }
                }
            }
        }
    }

    @Test("the inversion's float bounds on rho^k (its formula, restated) contain the exact power at the sampler's ratios")
    func geometricFloatBoundsContainPower() throws {
        let source = SeededRandom(seed: 103)
        var checked = 0
        for mean in Self.adversarialMeans {
            let (a, b) = (mean.a, mean.b)
            let rational = try ExactRational(a, b)
            let (ra, rb) = (rational.numerator, rational.denominator)
            let m = ra / rb
            let width = DiscreteGaussianSampler.integerSquareRoot(m) + 1
            for (n, d) in [(ra, rb * (m + width + 1)), (rb * (m - width), ra)] {
                // As in PoissonSampler.geometricByInversion.
                let logRatio = log1p(-Double(d - n) / Double(d))
                for k in [1, 2, width, 1 + source.uniform(below: 12 * width), 40 * width] {
                    let exponent = Double(k) * logRatio
                    let bounds = LogSumEstimate(value: exponent, error: abs(exponent) * 1e-12).exponentialBounds
                    let precision = 700
                    let (low, high) = RationalProductBounds.power(n, over: d, exponent: k, precision: precision)
                    let one = BigUInt(1) << precision
                    #expect(Self.compare(bounds.lower, low, one) <= 0 && Self.compare(bounds.upper, high, one) >= 0,
                            "rho \(n)/\(d) k \(k): power outside [\(bounds.lower), \(bounds.upper)]")
                    checked += 1
                }
            }
        }
        #expect(checked == 110)
    }

    // MARK: Frequencies

    /// Chi-square of sampled counts against the pmf over cells of `width` within 5 sigma (plus two tails).
    static func chiSquare(_ samples: [UInt64], mu: Double, width: Int) -> (statistic: Double, degrees: Int) {
        let sigma = mu.squareRoot()
        let start = Int((mu - 5 * sigma).rounded(.down))
        let end = Int((mu + 5 * sigma).rounded(.up))
        let cellCount = (end - start) / width + 1
        var observed = [Double](repeating: 0, count: cellCount + 2)
        for x in samples {
            let value = Int(x)
            let index = value < start ? 0 : (value >= start + cellCount * width ? cellCount + 1 : 1 + (value - start) / width)
            observed[index] += 1
        }
        var expected = [Double](repeating: 0, count: cellCount + 2)
        var inside = 0.0
        for cell in 0..<cellCount {
            for k in (start + cell * width)..<(start + (cell + 1) * width) {
                expected[cell + 1] += exp(PrivacySamplerTests.poissonLogPMF(k, mu))
            }
            inside += expected[cell + 1]
        }
        var below = 0.0
        for k in max(0, Int(mu - 40 * sigma))..<start { below += exp(PrivacySamplerTests.poissonLogPMF(k, mu)) }
        expected[0] = below
        expected[cellCount + 1] = max(0, 1 - inside - below)
        let n = Double(samples.count)
        var statistic = 0.0
        var degrees = -1
        for (o, p) in zip(observed, expected) where p * n >= 5 {
            statistic += (o - p * n) * (o - p * n) / (p * n)
            degrees += 1
        }
        return (statistic, degrees)
    }

    @Test("chi-square against the pmf at 1023 + 2/3 (coins), 1024 + 1/3 and 1025 - 2^-20, (2^62 - 1)/(2^52 - 1) (estimates)")
    func chiSquareNearThreshold() throws {
        let cases: [(UInt64, UInt64, UInt64)] = [(3071, 3, 31), (3073, 3, 32), (1025 << 20 - 1, 1 << 20, 33),
                                                  ((1 << 62) - 1, (1 << 52) - 1, 34)]
        for (a, b, seed) in cases {
            let mean = try ExactRational(a, b)
            let sampler = try PoissonSampler(mean: mean)
            let source = SeededRandom(seed: seed)
            let samples = (0..<25_000).map { _ in sampler.sample(using: source) }
            let (statistic, degrees) = Self.chiSquare(samples, mu: mean.doubleValue, width: 4)
            // About a 1e-5 upper quantile: df + 6 sqrt(2 df) (Wilson-Hilferty is close to this here).
            let limit = Double(degrees) + 6 * (2 * Double(degrees)).squareRoot()
            #expect(degrees > 30)
            #expect(statistic < limit, "Poisson(\(mean)): chi-square \(statistic) on \(degrees) df (limit \(limit))")
        }
    }

    @Test("moments at a = 2^62 - 1 (b = 1), where Double(a) rounds and L = 2^31 + 1")
    func momentsAtTheNumeratorLimit() throws {
        let mean = try ExactRational((1 << 62) - 1)
        let sampler = try PoissonSampler(mean: mean)
        let source = SeededRandom(seed: 35)
        let trials = 4000
        var sum = 0.0, sumSquares = 0.0
        for _ in 0..<trials {
            // Offsets from mu exactly in integers before converting (mu ~ 4.6e18 loses the units in a double).
            let x = sampler.sample(using: source)
            let offset = x >= mean.numerator ? Double(x - mean.numerator) : -Double(mean.numerator - x)
            sum += offset
            sumSquares += offset * offset
        }
        let mu = mean.doubleValue
        let n = Double(trials)
        let sampleMean = sum / n
        let variance = sumSquares / n - sampleMean * sampleMean
        #expect(abs(sampleMean) <= 5 * (mu / n).squareRoot(), "mean offset \(sampleMean)")
        #expect(abs(variance - mu) <= 5 * (2 * mu * mu / n).squareRoot(), "variance \(variance) vs \(mu)")
    }

    @Test("geometric by inversion at the sampler's rho for mu = 1024 + 1/3: P(K > k) = rho^k")
    func geometricFrequencies() {
        let (n, d): (UInt64, UInt64) = (3073, 3 * (1024 + 33 + 1))
        let source = SeededRandom(seed: 36)
        let trials = 30_000
        let rho = Double(n) / Double(d)
        let checkpoints: [UInt64] = [1, 2, 10, 33, 66, 132]
        var above = [Int](repeating: 0, count: checkpoints.count)
        for _ in 0..<trials {
            let k = PoissonSampler.geometricByInversion(n, over: d, using: source)
            for (index, point) in checkpoints.enumerated() where k > point { above[index] += 1 }
        }
        for (index, point) in checkpoints.enumerated() {
            PrivacySamplerTests.expectFrequency(above[index], trials, pow(rho, Double(point)), "P(K > \(point))")
        }
    }

    // MARK: Found in review and fixed: the general helpers at ratios and bounds PoissonSampler never reaches

    @Test("geometricByInversion with rho ~ 2^-40 and d > 2^53 (log1p(-(d-n)/d) would lose rho's low bits)")
    func geometricSmallRatioLargeDenominator() {
        // Double(d - n) rounds up by 255 and Double(d) down by 511, so the computed rho is 2^-40 while
        // rho = (2^22 + 766) / (2^62 + 511) ~ 2^-40 + 1.496 * 2^-53. U in [2^-40 + 2^-53, 2^-40 + 2^-52)
        // is below rho (K = 2), but the float bound 2^-40 (1 + 3e-11) says U >= rho (K = 1).
        let n: UInt64 = (1 << 22) + 766
        let d: UInt64 = (1 << 62) + 511
        let first: UInt64 = (1 << 24) + (1 << 11)
        #expect(BigUInt(first).adding(1) * BigUInt(d) < BigUInt(n) << 64, "setup: U's whole cell is below rho")
        let K = PoissonSampler.geometricByInversion(n, over: d, using: Scripted([first], seed: 1))
        #expect(K == 2, "U < rho = n/d and U >= rho^2, so K = 2; got \(K)")
    }

    @Test("a float upper bound that underflows to 0 does not decide 'U >= p' for a U with 53 leading zero bits")
    func underflowedUpperBound() {
        // rho = 1/2 and U in [2^-1281, 2^-1280): K = 1281. exp(k log(1/2)) underflows to 0 from
        // k ~ 1075, and LazyUniform.isBelow(lower: 0, upper: 0) returns false for cellLow = 0.
        let script = [UInt64](repeating: 0, count: 20) + [1 << 63]
        let K = PoissonSampler.geometricByInversion(1, over: 2, using: Scripted(script, seed: 2))
        #expect(K == 1281, "U in [2^-1281, 2^-1280) gives K = 1281; got \(K)")
        #expect(LogSumEstimate(value: -800, error: 0).exponentialBounds.upper > 0,
                "exp(-800) > 0 but the upper bound underflows to 0")
    }
}
