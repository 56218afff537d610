import Foundation
import Shared

/// Measures the accountant and the noise samplers.
///
/// - `accountant_queries_per_s`: full epsilon queries (T-step subsampled Gaussian over
///   dp-accounting's default grid, then the conversion) for parameters already seen, the case
///   of a budget check each round: the per-step curve is cached, so a query is T times the
///   curve plus the conversion over 162 orders.
/// - `accountant_cold_queries_per_s`: the same with a new (q, z) every time, so the per-step
///   curve (binomial sums and the fractional-order series) is computed from scratch.
/// - `calibration_ms`: one noise-multiplier calibration (eps 1, delta 1e-5, q 0.01, T 1000).
/// - Skellam noise shares per second at mu = 5e4 and the time of one Poisson draw at
///   mu = 4e3 (coin runs), 1e7 and 3.3e12 (estimates with the exact fallback), from OpenSSL
///   randomness through `BufferedRandom`.
enum PrivacyBench {
    static func run(json: Bool) -> String {
        do {
            return try measure(json: json)
        } catch {
            return "privacy benchmark failed: \(error)"
        }
    }

    /// Keeps the optimiser from discarding the measured work (the accumulated results are
    /// passed to a function it may not look into).
    @inline(never) @_optimize(none)
    private static func blackHole(_ value: Double) {}

    private static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private static func measure(json: Bool) throws -> String {
        var sink = 0.0
        // Warm: a handful of parameter sets, steps and delta varying per query.
        let rates = [0.001, 0.01, 0.1, 1.0]
        for q in rates { sink += try PrivacyAccountant.subsampledGaussianEpsilon(samplingRate: q, noiseMultiplier: 1.1, steps: 1, delta: 1e-5).epsilon }
        let warmQueries = 20_000
        let warmTime = try seconds {
            for index in 0..<warmQueries {
                let (epsilon, _) = try PrivacyAccountant.subsampledGaussianEpsilon(
                    samplingRate: rates[index & 3], noiseMultiplier: 1.1, steps: 1 + index % 10_000,
                    delta: index & 4 == 0 ? 1e-5 : 1e-6)
                sink += epsilon
            }
        }
        // Cold: a fresh noise multiplier each query.
        let coldQueries = 40
        let coldTime = try seconds {
            for index in 0..<coldQueries {
                let z = 0.7 + Double(index) * 0.013_7 + Double.random(in: 0..<1e-6)
                sink += try PrivacyAccountant.subsampledGaussianEpsilon(samplingRate: 0.01, noiseMultiplier: z,
                                                                        steps: 1000, delta: 1e-5).epsilon
            }
        }
        var calibrationTimes: [Double] = []
        for _ in 0..<3 {
            calibrationTimes.append(try seconds {
                sink += try NoiseCalibration.noiseMultiplier(targetEpsilon: 1, delta: 1e-5, samplingRate: 0.01, steps: 1000)
            })
        }
        calibrationTimes.sort()
        let random = BufferedRandom()
        let share = try SkellamSampler(mu: try ExactRational(50_000))
        let shareCount = 20_000
        let shareTime = seconds { sink += Double(share.samples(shareCount, using: random).reduce(0, +)) }
        let large = try PoissonSampler(mean: try ExactRational(10_000_000))
        let largeCount = 20_000
        let largeTime = seconds { for _ in 0..<largeCount { sink += Double(large.sample(using: random)) } }
        let huge = try PoissonSampler(mean: try ExactRational(10_000_000_000_000, 3))
        let hugeTime = seconds { for _ in 0..<largeCount { sink += Double(huge.sample(using: random)) } }
        let small = try PoissonSampler(mean: try ExactRational(4000))
        let smallTime = seconds { for _ in 0..<largeCount { sink += Double(small.sample(using: random)) } }

        let results: [(String, Double)] = [
            ("accountant_queries_per_s", Double(warmQueries) / warmTime),
            ("accountant_cold_queries_per_s", Double(coldQueries) / coldTime),
            ("calibration_ms", calibrationTimes[1] * 1000),
            ("skellam_samples_per_s_mu_5e4", Double(shareCount) / shareTime),
            ("poisson_sample_us_mu_4e3", smallTime / Double(largeCount) * 1e6),
            ("poisson_sample_us_mu_1e7", largeTime / Double(largeCount) * 1e6),
            ("poisson_sample_us_mu_3e12", hugeTime / Double(largeCount) * 1e6),
        ]
        blackHole(sink)
        if json {
            let body = results.map { "\"\($0.0)\": \(String(format: "%.1f", $0.1))" }.joined(separator: ", ")
            return "{\(body)}"
        }
        return results.map { "\($0.0): \(String(format: "%.1f", $0.1))" }.joined(separator: "\n")
    }
}
