import Foundation
import Testing
@testable import Shared

/// Contribution bounds (clipping, per-record marginal counts, adaptive clipping) and the
/// distributed-noise rule.
@Suite("Privacy contribution bounds and distributed noise")
struct PrivacyContributionBoundingTests {
    @Test("L2 clipping bounds every example's norm and leaves small gradients unchanged")
    func clipping() throws {
        let source = SeededRandom(seed: 11)
        for _ in 0..<200 {
            let gradient = (0..<17).map { _ in (source.unitDouble() - 0.5) * 20 }
            let clipped = try L2Clipping.clip(gradient, to: 1.5)
            #expect(L2Clipping.norm(clipped) <= 1.5)
            // Direction is kept: clipped is a non-negative multiple of the original.
            let ratio = clipped[0] / gradient[0]
            #expect(zip(gradient, clipped).allSatisfy { abs($1 - ratio * $0) <= 1e-12 * max(1, abs($0)) })
        }
        #expect(try L2Clipping.clip([0.3, 0.4], to: 1) == [0.3, 0.4])
        #expect(abs(L2Clipping.norm([3e200, 4e200]) - 5e200) < 1e186)
        let (sum, unclipped) = try L2Clipping.clippedSum([[3, 4], [0.6, 0.8], [0, 0]], clipNorm: 1)
        #expect(unclipped == 2)
        #expect(abs(sum[0] - 1.2) < 1e-12 && abs(sum[1] - 1.6) < 1e-12)
        #expect(throws: ApiaryError.self) { try L2Clipping.clip([.nan, 1], to: 1) }
        #expect(throws: ApiaryError.self) { try L2Clipping.clippedSum([[1, 2], [1]], clipNorm: 1) }
    }

    @Test("marginal counts: every record adds exactly 1 to one cell; removing a record changes one cell by 1")
    func marginalCounts() throws {
        let cardinalities = [3, 2, 4]
        let counter = try MarginalCounter(cardinalities: cardinalities, columns: [0, 2])
        #expect(counter.cellCount == 12)
        let source = SeededRandom(seed: 12)
        let rows = (0..<500).map { _ in cardinalities.map { Int(source.uniform(below: UInt64($0))) } }
        let counts = try counter.counts(rows)
        #expect(counts.reduce(0, +) == 500)
        #expect(try counter.cell(of: [2, 1, 3]) == 2 * 4 + 3)
        for removed in [0, 17, 499] {
            var neighbour = rows
            neighbour.remove(at: removed)
            let other = try counter.counts(neighbour)
            let differences = zip(counts, other).map { $0 - $1 }
            #expect(differences.filter { $0 != 0 } == [1])
        }
        #expect(MarginalCounter.sensitivity(marginalCount: 4) == (4, 2))
        #expect(throws: ApiaryError.self) { try counter.counts([[0, 0, 4]]) }
        #expect(throws: ApiaryError.self) { try counter.counts([[0]]) }
        #expect(throws: ApiaryError.self) { try MarginalCounter(cardinalities: cardinalities, columns: [0, 0]) }
        #expect(throws: ApiaryError.self) { try MarginalCounter(cardinalities: cardinalities, columns: [3]) }
    }

    @Test("adaptive clipping moves the clip norm toward the target quantile of update norms")
    func adaptiveClipping() throws {
        var clipping = try AdaptiveQuantileClipping(initialClipNorm: 0.1, targetQuantile: 0.5, learningRate: 0.2)
        // All updates unclipped: the norm must shrink by exp(-0.2 * 0.5).
        var shrinking = try AdaptiveQuantileClipping(initialClipNorm: 1, targetQuantile: 0.5, learningRate: 0.2)
        try shrinking.update(noisyUnclippedCount: 10, contributors: 10)
        #expect(abs(shrinking.clipNorm - exp(-0.1)) < 1e-15)
        // Norms uniform on [0, 2]: the median is 1; noiseless bits so the test is deterministic.
        let source = SeededRandom(seed: 13)
        for _ in 0..<400 {
            let norms = (0..<200).map { _ in 2 * source.unitDouble() }
            let bits = norms.map { clipping.unclippedIndicator(updateNorm: $0) }.reduce(0, +)
            try clipping.update(noisyUnclippedCount: Double(bits), contributors: norms.count)
        }
        #expect(abs(clipping.clipNorm - 1) < 0.1, "clip norm \(clipping.clipNorm)")
        let z = try AdaptiveQuantileClipping.updateNoiseMultiplier(totalNoiseMultiplier: 1, countNoiseStddev: 10)
        #expect(abs(1 / (z * z) + 1 / 400.0 - 1) < 1e-12)
        #expect(throws: ApiaryError.self) { try AdaptiveQuantileClipping.updateNoiseMultiplier(totalNoiseMultiplier: 1, countNoiseStddev: 0.5) }
    }

    @Test("distributed Skellam: shares sized for t_min, total and epsilon from the actual contributors")
    func distributedNoise() throws {
        let noise = try DistributedSkellamNoise(quorum: 7, targetTotalMu: 1_000_000, l1: 100, l2: 10)
        // ceil(1e6 / 7) = 142858 per agent, so any 7 agents carry at least the target.
        #expect(noise.perAgentMu == (try ExactRational(142_858)))
        #expect(noise.actualTotalMu(contributors: 7) >= 1_000_000)
        let atQuorum = try noise.report(contributors: 7, delta: 1e-5)
        let more = try noise.report(contributors: 10, delta: 1e-5)
        #expect(more.epsilon < atQuorum.epsilon)
        #expect(more.totalMu == 10 * 142_858)
        let target = try PrivacyAccountant.skellamEpsilon(mu: 1_000_000, l1: 100, l2: 10, steps: 1, delta: 1e-5).epsilon
        #expect(atQuorum.epsilon <= target)
        do {
            _ = try noise.report(contributors: 6, delta: 1e-5)
            Issue.record("a sum below quorum was reported as releasable")
        } catch let error as ApiaryError {
            #expect(error.code == .outOfRange)
        }
        // Calibrated shares reach the target epsilon at quorum and not with one agent fewer.
        let calibrated = try DistributedSkellamNoise.calibrated(quorum: 5, targetEpsilon: 1, delta: 1e-5, l1: 64, l2: 8)
        #expect(try calibrated.report(contributors: 5, delta: 1e-5).epsilon <= 1)
        let fewer = try PrivacyAccountant.skellamEpsilon(mu: calibrated.actualTotalMu(contributors: 4), l1: 64, l2: 8,
                                                         steps: 1, delta: 1e-5).epsilon
        #expect(fewer > 1)
        // A share's sampler produces the share's variance.
        let sampler = try calibrated.shareSampler()
        #expect(sampler.mu == calibrated.perAgentMu)
    }

    @Test("Skellam calibration finds the least mu within the tolerance")
    func skellamCalibration() throws {
        let mu = try NoiseCalibration.skellamMu(targetEpsilon: 2.2263, delta: 1e-5, l1: 131_072, l2: 512, steps: 1,
                                                grid: try RDPOrderGrid.integers(2...256))
        // The reference example: 10 x 50000 gives epsilon 2.2263 (rounded), so mu is within 0.01% of 5e5.
        #expect(abs(mu / 500_000 - 1) < 1e-4, "mu \(mu)")
        let at = try PrivacyAccountant.skellamEpsilon(mu: mu, l1: 131_072, l2: 512, steps: 1, delta: 1e-5,
                                                     grid: try RDPOrderGrid.integers(2...256)).epsilon
        #expect(at <= 2.2263)
    }
}
