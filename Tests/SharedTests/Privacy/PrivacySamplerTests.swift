import Foundation
import Testing
@testable import Shared

/// Moments and tail frequencies of the exact samplers at fixed seeds, against theory.
/// Tolerances are 5 standard errors of the statistic, so a correct sampler passes with
/// overwhelming probability while a biased one (a wrong factor, an off-by-one in a loop)
/// moves the statistic by far more.
@Suite("Privacy exact samplers")
struct PrivacySamplerTests {
    struct Summary {
        var count = 0.0, sum = 0.0, sumSquares = 0.0
        mutating func add(_ value: Double) { count += 1; sum += value; sumSquares += value * value }
        var mean: Double { sum / count }
        var variance: Double { (sumSquares - sum * sum / count) / (count - 1) }
    }

    /// |observed frequency - p| within 5 standard errors.
    static func expectFrequency(_ hits: Int, _ trials: Int, _ p: Double, _ label: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let frequency = Double(hits) / Double(trials)
        let tolerance = 5 * (p * (1 - p) / Double(trials)).squareRoot() + 1e-12
        #expect(abs(frequency - p) <= tolerance, "\(label): frequency \(frequency), expected \(p) +- \(tolerance)",
                sourceLocation: sourceLocation)
    }

    @Test("Bernoulli(exp(-x)) hits exp(-x) for x = 0, 1/3, 1, 5/2")
    func bernoulliExponential() throws {
        let source = SeededRandom(seed: 1)
        for (n, d) in [(UInt64(0), UInt64(1)), (1, 3), (1, 1), (5, 2)] {
            let x = try ExactRational(n, d)
            let trials = 40_000
            var hits = 0
            for _ in 0..<trials where BernoulliExponential.sample(exponent: x, using: source) { hits += 1 }
            Self.expectFrequency(hits, trials, exp(-x.doubleValue), "exp(-\(x))")
        }
    }

    @Test("discrete Laplace: mean 0, variance 2p/(1-p)^2 and tail 2p^k/(1+p), p = exp(-1/scale)")
    func discreteLaplace() throws {
        let source = SeededRandom(seed: 2)
        for scale in [try ExactRational(3, 1), try ExactRational(5, 2)] {
            let sampler = try DiscreteLaplaceSampler(scale: scale)
            let p = exp(-1 / scale.doubleValue)
            let variance = 2 * p / ((1 - p) * (1 - p))
            let trials = 20_000
            var summary = Summary()
            var tailHits = 0
            let k = Int64(3 * scale.doubleValue)
            for _ in 0..<trials {
                let y = sampler.sample(using: source)
                summary.add(Double(y))
                if abs(y) >= k { tailHits += 1 }
            }
            #expect(abs(summary.mean) <= 5 * (variance / Double(trials)).squareRoot(), "scale \(scale) mean \(summary.mean)")
            // Var of the sample variance is about (m4 - var^2)/n; m4 <= 6 var^2 here (Laplace-like).
            #expect(abs(summary.variance - variance) <= 5 * variance * (5 / Double(trials)).squareRoot(),
                    "scale \(scale) variance \(summary.variance) vs \(variance)")
            Self.expectFrequency(tailHits, trials, 2 * pow(p, Double(k)) / (1 + p), "scale \(scale) tail |Y| >= \(k)")
        }
    }

    @Test("discrete Gaussian: mean 0, variance and tail from the exact pmf, sigma^2 = 1/2, 4, 100")
    func discreteGaussian() throws {
        let source = SeededRandom(seed: 3)
        for sigmaSquared in [try ExactRational(1, 2), try ExactRational(4), try ExactRational(100)] {
            let sampler = try DiscreteGaussianSampler(sigmaSquared: sigmaSquared)
            let s2 = sigmaSquared.doubleValue
            let threshold = Int64((2 * s2.squareRoot()).rounded(.up))
            // Theory by direct summation of exp(-y^2 / (2 sigma^2)).
            let range = Int64(40 * s2.squareRoot() + 10)
            var normaliser = 0.0, secondMoment = 0.0, tailMass = 0.0
            for y in -range...range {
                let weight = exp(-Double(y * y) / (2 * s2))
                normaliser += weight
                secondMoment += Double(y * y) * weight
                if abs(y) >= threshold { tailMass += weight }
            }
            let variance = secondMoment / normaliser
            let trials = 20_000
            var summary = Summary()
            var tailHits = 0
            for _ in 0..<trials {
                let y = sampler.sample(using: source)
                summary.add(Double(y))
                if abs(y) >= threshold { tailHits += 1 }
            }
            #expect(abs(summary.mean) <= 5 * (variance / Double(trials)).squareRoot(), "sigma^2 \(sigmaSquared) mean")
            #expect(abs(summary.variance - variance) <= 5 * variance * (2.5 / Double(trials)).squareRoot(),
                    "sigma^2 \(sigmaSquared) variance \(summary.variance) vs \(variance)")
            Self.expectFrequency(tailHits, trials, tailMass / normaliser, "sigma^2 \(sigmaSquared) tail")
        }
    }

    /// log P(X = k) for X ~ Poisson(mu).
    static func poissonLogPMF(_ k: Int, _ mu: Double) -> Double {
        Double(k) * log(mu) - mu - lgamma(Double(k) + 1)
    }

    @Test("Poisson: pmf of small means (3/10, 7/2) cell by cell")
    func poissonSmallMeansPMF() throws {
        let source = SeededRandom(seed: 4)
        for mean in [try ExactRational(3, 10), try ExactRational(7, 2)] {
            let sampler = try PoissonSampler(mean: mean)
            let trials = 30_000
            var histogram = [Int: Int]()
            for _ in 0..<trials { histogram[Int(sampler.sample(using: source)), default: 0] += 1 }
            for k in 0..<10 {
                Self.expectFrequency(histogram[k, default: 0], trials, exp(Self.poissonLogPMF(k, mean.doubleValue)), "Poisson(\(mean)) P(\(k))")
            }
        }
    }

    @Test("Poisson: mean, variance and upper tail for means 50 to 10^7")
    func poissonLargeMeans() throws {
        let source = SeededRandom(seed: 5)
        let cases: [(ExactRational, Int)] = [(try ExactRational(50), 10_000), (try ExactRational(1000), 4000),
                                             (try ExactRational(246_913, 2), 600), (try ExactRational(10_000_000), 60)]
        for (mean, trials) in cases {
            let sampler = try PoissonSampler(mean: mean)
            let mu = mean.doubleValue
            let threshold = Int((mu + mu.squareRoot()).rounded(.up))
            var summary = Summary()
            var tailHits = 0
            for _ in 0..<trials {
                let x = sampler.sample(using: source)
                summary.add(Double(x))
                if x >= threshold { tailHits += 1 }
            }
            let n = Double(trials)
            #expect(abs(summary.mean - mu) <= 5 * (mu / n).squareRoot(), "Poisson(\(mean)) mean \(summary.mean)")
            #expect(abs(summary.variance - mu) <= 5 * ((mu + 2 * mu * mu) / n).squareRoot(),
                    "Poisson(\(mean)) variance \(summary.variance)")
            // P(X >= mu + sqrt(mu)) by summing the pmf over a wide window.
            var tail = 0.0
            for k in threshold...(threshold + Int(12 * mu.squareRoot()) + 20) { tail += exp(Self.poissonLogPMF(k, mu)) }
            Self.expectFrequency(tailHits, trials, tail, "Poisson(\(mean)) tail")
        }
    }

    @Test("Poisson: mean 0 always gives 0")
    func poissonZero() throws {
        let sampler = try PoissonSampler(mean: try ExactRational(0))
        let source = SeededRandom(seed: 6)
        #expect((0..<100).allSatisfy { _ in sampler.sample(using: source) == 0 })
    }

    @Test("Skellam: mean 0, variance 2 mu; shares of 10 agents sum to the same distribution")
    func skellam() throws {
        let source = SeededRandom(seed: 7)
        let trials = 4000
        let whole = try SkellamSampler(mu: try ExactRational(1000))
        let share = try SkellamSampler(mu: try ExactRational(100))
        var direct = Summary(), summed = Summary()
        for _ in 0..<trials {
            direct.add(Double(whole.sample(using: source)))
            summed.add(Double(share.samples(10, using: source).reduce(0, +)))
        }
        for (label, summary) in [("direct", direct), ("sum of shares", summed)] {
            #expect(abs(summary.mean) <= 5 * (2000 / Double(trials)).squareRoot(), "\(label) mean \(summary.mean)")
            #expect(abs(summary.variance - 2000) <= 5 * 2000 * (2.2 / Double(trials)).squareRoot(),
                    "\(label) variance \(summary.variance)")
        }
    }

    @Test("samplers are reproducible for a seed and work with buffered OpenSSL randomness")
    func reproducibleAndBuffered() throws {
        let sampler = try SkellamSampler(mu: try ExactRational(12_345, 7))
        let first = sampler.samples(50, using: SeededRandom(seed: 9))
        let second = sampler.samples(50, using: SeededRandom(seed: 9))
        #expect(first == second)
        let buffered = BufferedRandom()
        let fromOpenSSL = sampler.samples(2000, using: buffered)
        let mean = Double(fromOpenSSL.reduce(0, +)) / 2000
        #expect(abs(mean) <= 5 * (2 * 12_345.0 / 7 / 2000).squareRoot())
        #expect(Set(fromOpenSSL).count > 100)
    }

    @Test("sampler parameters that cannot be represented are refused")
    func badSamplerParameters() throws {
        #expect(throws: ApiaryError.self) { try ExactRational(1, 0) }
        #expect(throws: ApiaryError.self) { try DiscreteLaplaceSampler(scale: try ExactRational(0)) }
        #expect(throws: ApiaryError.self) { try DiscreteGaussianSampler(sigmaSquared: try ExactRational(0)) }
        #expect(throws: ApiaryError.self) { try DiscreteGaussianSampler(sigmaSquared: try ExactRational(1 << 40)) }
        #expect(throws: ApiaryError.self) { try PoissonSampler(mean: try ExactRational(1 << 63)) }
        do {
            _ = try ExactRational.roundingUp(-1)
            Issue.record("negative value accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .invalidArgument)
        }
        #expect(try ExactRational.roundingUp(2.5, denominator: 1) == (try ExactRational(3)))
        #expect(try ExactRational.roundingUp(2.5, denominator: 4) == (try ExactRational(5, 2)))
    }
}
