import Foundation
import Testing
@testable import Shared

/// The large-mean method of `PoissonSampler`: floating-point bounds on each acceptance
/// probability, a lazily drawn uniform compared with them, and exact integer bounds when they
/// cannot decide. Checked piece by piece against exact big-rational arithmetic, then as a
/// whole against the Poisson pmf.
@Suite("Poisson sampler at large means")
struct PoissonLargeMeanTests {
    /// Words given in order, then a seeded stream: to place a uniform's first bits exactly.
    final class ScriptedRandom: RandomSource, @unchecked Sendable {
        private var script: [UInt64]
        private let rest: SeededRandom
        init(_ script: [UInt64], seed: UInt64) {
            self.script = script
            self.rest = SeededRandom(seed: seed)
        }
        func fill(_ buffer: UnsafeMutableRawBufferPointer) {
            guard buffer.count == 8, !script.isEmpty else { return rest.fill(buffer) }
            var word = script.removeFirst()
            withUnsafeBytes(of: &word) { buffer.copyMemory(from: $0) }
        }
    }

    /// U's drawn prefix as an integer and its bit count.
    static func prefix(_ words: [UInt64]) -> (BigUInt, Int) {
        var value = BigUInt(0)
        for word in words { value = (value << 64).adding(word) }
        return (value, 64 * words.count)
    }

    static func exactProduct(_ factors: [(UInt64, UInt64)]) -> (BigUInt, BigUInt) {
        var numerator = BigUInt(1)
        var denominator = BigUInt(1)
        for (n, d) in factors {
            numerator = numerator.multiplied(by: n)
            denominator = denominator.multiplied(by: d)
        }
        return (numerator, denominator)
    }

    /// x 2^bits exactly, for a double 0 <= x <= 1 (its 53-bit significand shifted).
    static func fixedPoint(_ x: Double, bits: Int) -> BigUInt {
        if x == 0 { return BigUInt(0) }
        let significand = UInt64(x.significandBitPattern | (1 << 52))
        let shift = bits + Int(x.exponent) - 52
        return shift >= 0 ? BigUInt(significand) << shift : BigUInt(significand) >> -shift
    }

    @Test("the floating-point bounds contain the exact acceptance product, and are tight")
    func estimatesContainExactProducts() throws {
        let means = [try ExactRational(3_000_001, 3), try ExactRational(7_000_000_002, 7), try ExactRational(8193, 2), try ExactRational(2049, 2)]
        for mean in means {
            let sampler = try PoissonSampler(mean: mean)
            let m = mean.numerator / mean.denominator
            let width = DiscreteGaussianSampler.integerSquareRoot(m) + 1
            let offsets: [UInt64] = [1, 2, 17, width - 1, width, width + 1, width + 40, 2 * width, 4 * width]
            for j in offsets {
                for side in ["right", "left"] {
                    guard side == "right" || j <= m else { continue }
                    let estimate = try #require(side == "right" ? sampler.rightAcceptanceLog(j) : sampler.leftAcceptanceLog(j))
                    let factors = Array(side == "right" ? sampler.rightFactors(j) : sampler.leftFactors(j))
                    let (lower, upper) = RationalProductBounds.product(of: factors, precision: 300)
                    let (estimateLow, estimateHigh) = estimate.exponentialBounds
                    #expect(!(lower < Self.fixedPoint(estimateLow, bits: 300)) && !(Self.fixedPoint(estimateHigh, bits: 300) < upper),
                            "mu \(mean) \(side) \(j): product outside [\(estimateLow), \(estimateHigh)]")
                    #expect(estimate.error < 1e-8, "mu \(mean) \(side) \(j): error bound \(estimate.error)")
                }
            }
        }
    }

    @Test("integer product and power bounds hold exactly")
    func integerBoundsHold() {
        let source = SeededRandom(seed: 21)
        for _ in 0..<50 {
            let count = 1 + Int(source.uniform(below: 30))
            let factors: [(UInt64, UInt64)] = (0..<count).map { _ in
                let d = 1 + source.uniform(below: 1 << 40)
                return (source.uniform(below: d + 1), d)
            }
            let (numerator, denominator) = Self.exactProduct(factors)
            let precision = 128
            let (lower, upper) = RationalProductBounds.product(of: factors, precision: precision)
            #expect(!(numerator << precision < lower * denominator) && !(upper * denominator < numerator << precision))
            #expect(upper - lower <= BigUInt(UInt64(2 * count + 1)))

            let d = 2 + source.uniform(below: 1 << 33)
            let n = source.uniform(below: d)
            let k = 1 + source.uniform(below: 300)
            let (powerLow, powerHigh) = RationalProductBounds.power(n, over: d, exponent: k, precision: precision)
            let (pn, pd) = Self.exactProduct(Array(repeating: (n, d), count: Int(k)))
            #expect(!(pn << precision < powerLow * pd) && !(powerHigh * pd < pn << precision), "(\(n)/\(d))^\(k)")
        }
    }

    @Test("a uniform whose first word cannot decide is compared exactly with the product")
    func lazyComparisonIsExact() {
        let source = SeededRandom(seed: 22)
        var decidedFast = 0
        for trial in 0..<300 {
            let count = 1 + Int(source.uniform(below: 12))
            let factors: [(UInt64, UInt64)] = (0..<count).map { _ in
                let d = 1 + source.uniform(below: 1 << 36)
                return (d - source.uniform(below: d / 4 + 1), d)
            }
            let (numerator, denominator) = Self.exactProduct(factors)
            // The first word at p 2^64 rounded down, give or take one: inside any float bounds.
            let wordValue = ((numerator << 64) / denominator)
            var first = wordValue.uint64Value ?? UInt64.max
            if trial % 3 == 1, first > 0 { first -= 1 }
            if trial % 3 == 2, first < UInt64.max { first += 1 }
            let p = numerator.doubleValue / denominator.doubleValue
            let scripted = ScriptedRandom([], seed: UInt64(trial))
            var uniform = LazyUniform(words: [first])
            if uniform.isBelow(lower: p * (1 - 1e-12), upper: p * (1 + 1e-12)) != nil { decidedFast += 1 }
            let decision = uniform.isBelow(exactBounds: { RationalProductBounds.product(of: factors, precision: $0) }, using: scripted)
            // The words drawn decide the comparison on their own: U's cell lies wholly on one side.
            let (cell, bits) = Self.prefix(uniform.words)
            if decision {
                #expect(!(numerator << bits < cell.adding(1) * denominator), "trial \(trial): U < p claimed")
            } else {
                #expect(!(cell * denominator < numerator << bits), "trial \(trial): U >= p claimed")
            }
        }
        #expect(decidedFast == 0, "the first word was meant to fall inside the float bounds")
    }

    @Test("the float comparison decides from the first word and never wrongly")
    func floatComparison() {
        let below = LazyUniform(words: [0x4000_0000_0000_0000])          // U in [1/4, 1/4 + 2^-64)
        #expect(below.isBelow(lower: 0.3, upper: 0.31) == true)
        #expect(below.isBelow(lower: 0.2, upper: 0.21) == false)
        #expect(below.isBelow(lower: 0.25, upper: 0.25) == false)     // p = 1/4 exactly: U >= 1/4
        #expect(below.isBelow(lower: 0.2, upper: 0.3) == nil)
        #expect(LazyUniform(words: [UInt64.max]).isBelow(lower: 1, upper: 1) == true)
    }

    @Test("tail counts by inversion: P(K > k) = rho^k for rho = 999/1000 and 1 - 10^-6")
    func geometricByInversion() {
        let source = SeededRandom(seed: 23)
        for (n, d, trials) in [(UInt64(999), UInt64(1000), 40_000), (UInt64(999_999), UInt64(1_000_000), 20_000)] {
            let rho = Double(n) / Double(d)
            let scale = 1 / (1 - rho)
            let checkpoints = [1.0, 0.2 * scale, scale, 3 * scale].map { UInt64($0) }
            var above = [Int](repeating: 0, count: checkpoints.count)
            var minimum = UInt64.max
            for _ in 0..<trials {
                let k = PoissonSampler.geometricByInversion(n, over: d, using: source)
                minimum = min(minimum, k)
                for (index, point) in checkpoints.enumerated() where k > point { above[index] += 1 }
            }
            #expect(minimum >= 1)
            for (index, point) in checkpoints.enumerated() {
                PrivacySamplerTests.expectFrequency(above[index], trials, pow(rho, Double(point)), "rho \(n)/\(d), P(K > \(point))")
            }
        }
        #expect(PoissonSampler.geometricByInversion(0, over: 5, using: source) == 1)
    }

    @Test("Poisson(100000 + 1/3): cells of the pmf across both tails")
    func pmfCells() throws {
        let mean = try ExactRational(300_001, 3)
        let sampler = try PoissonSampler(mean: mean)
        let mu = mean.doubleValue
        let source = SeededRandom(seed: 24)
        let trials = 60_000
        let cellWidth = 150.0
        var cells = [Int: Int]()
        for _ in 0..<trials {
            let x = Double(sampler.sample(using: source))
            cells[Int(((x - mu) / cellWidth).rounded(.down)), default: 0] += 1
        }
        // Cells from -5 to +5 standard deviations (sigma = 316), each against the summed pmf.
        for cell in -11...10 {
            let start = Int((mu + Double(cell) * cellWidth).rounded(.up))
            let end = Int((mu + Double(cell + 1) * cellWidth).rounded(.up))
            var mass = 0.0
            for k in start..<end { mass += exp(PrivacySamplerTests.poissonLogPMF(k, mu)) }
            PrivacySamplerTests.expectFrequency(cells[cell, default: 0], trials, mass, "cell \(cell)")
        }
    }

    @Test("Poisson(10^10 + 1/2): moments")
    func hugeMeanMoments() throws {
        let mean = try ExactRational(20_000_000_001, 2)
        let sampler = try PoissonSampler(mean: mean)
        let mu = mean.doubleValue
        let source = SeededRandom(seed: 25)
        let trials = 20_000
        // Offsets from mu, so the sums keep their precision.
        var summary = PrivacySamplerTests.Summary()
        for _ in 0..<trials { summary.add(Double(sampler.sample(using: source)) - mu) }
        let n = Double(trials)
        #expect(abs(summary.mean) <= 5 * (mu / n).squareRoot(), "mean offset \(summary.mean)")
        #expect(abs(summary.variance - mu) <= 5 * (2 * mu * mu / n).squareRoot(), "variance \(summary.variance)")
    }
}
