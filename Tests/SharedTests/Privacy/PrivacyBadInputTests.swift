import Foundation
import Testing
@testable import Shared

/// Every bad parameter is refused with ApiaryError(.invalidArgument) naming the parameter.
@Suite("Privacy bad input")
struct PrivacyBadInputTests {
    static func expectRefusal(naming name: String, sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("accepted bad \(name)", sourceLocation: sourceLocation)
        } catch let error as ApiaryError {
            #expect(error.code == .invalidArgument, sourceLocation: sourceLocation)
            #expect(error.reason.contains(name), "\(error.reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("subsampled Gaussian epsilon: q, z, steps, delta")
    func gaussianEpsilon() {
        let good = (q: 0.01, z: 1.0, steps: 100, delta: 1e-5)
        for q in [0, -0.1, 1.5, .nan, .infinity] {
            Self.expectRefusal(naming: "sampling rate") {
                _ = try PrivacyAccountant.subsampledGaussianEpsilon(samplingRate: q, noiseMultiplier: good.z, steps: good.steps, delta: good.delta)
            }
        }
        for z in [0, -1, .nan, .infinity] {
            Self.expectRefusal(naming: "noise multiplier") {
                _ = try PrivacyAccountant.subsampledGaussianEpsilon(samplingRate: good.q, noiseMultiplier: z, steps: good.steps, delta: good.delta)
            }
        }
        for steps in [0, -3] {
            Self.expectRefusal(naming: "steps") {
                _ = try PrivacyAccountant.subsampledGaussianEpsilon(samplingRate: good.q, noiseMultiplier: good.z, steps: steps, delta: good.delta)
            }
        }
        for delta in [0, 1, 1.5, -1e-5, .nan] {
            Self.expectRefusal(naming: "delta") {
                _ = try PrivacyAccountant.subsampledGaussianEpsilon(samplingRate: good.q, noiseMultiplier: good.z, steps: good.steps, delta: delta)
            }
        }
    }

    @Test("Skellam, calibration, budget, clipping and distributed-noise parameters")
    func otherParameters() {
        Self.expectRefusal(naming: "Skellam mu") { _ = try SkellamRDP.curve(mu: -1, l1: 1, l2: 1) }
        Self.expectRefusal(naming: "L1 sensitivity") { _ = try SkellamRDP.curve(mu: 10, l1: .nan, l2: 1) }
        Self.expectRefusal(naming: "L2 sensitivity") { _ = try SkellamRDP.curve(mu: 10, l1: 1, l2: .infinity) }
        Self.expectRefusal(naming: "target epsilon") {
            _ = try NoiseCalibration.noiseMultiplier(targetEpsilon: -1, delta: 1e-5, samplingRate: 0.1, steps: 10)
        }
        Self.expectRefusal(naming: "delta") {
            _ = try NoiseCalibration.skellamMu(targetEpsilon: 1, delta: 1, l1: 1, l2: 1, steps: 1)
        }
        Self.expectRefusal(naming: "steps") {
            _ = try NoiseCalibration.skellamMu(targetEpsilon: 1, delta: 1e-5, l1: 1, l2: 1, steps: 0)
        }
        Self.expectRefusal(naming: "budget epsilon") { _ = try PrivacyBudget(epsilon: .infinity, delta: 1e-5) }
        Self.expectRefusal(naming: "budget delta") { _ = try PrivacyBudget(epsilon: 1, delta: 0) }
        Self.expectRefusal(naming: "clip norm") { _ = try L2Clipping.clip([1, 2], to: 0) }
        Self.expectRefusal(naming: "quorum") { _ = try DistributedSkellamNoise(quorum: 0, targetTotalMu: 10, l1: 1, l2: 1) }
        Self.expectRefusal(naming: "target Skellam mu") { _ = try DistributedSkellamNoise(quorum: 3, targetTotalMu: .nan, l1: 1, l2: 1) }
        Self.expectRefusal(naming: "target quantile") { _ = try AdaptiveQuantileClipping(initialClipNorm: 1, targetQuantile: 1) }
        Self.expectRefusal(naming: "RDP order") { _ = try SubsampledGaussianRDP.rdp(samplingRate: 0.1, noiseMultiplier: 1, order: 1) }
    }

    @Test("an unreachable calibration target is reported as out of range")
    func unreachableTarget() {
        // With delta = 1e-300 no order up to 1024 brings epsilon below log(1/delta)/1023 ~ 0.67,
        // however much noise is added.
        do {
            _ = try NoiseCalibration.noiseMultiplier(targetEpsilon: 0.1, delta: 1e-300, samplingRate: 1, steps: 1)
            Issue.record("unreachable target accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .outOfRange)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
