import Foundation

/// Adaptive clipping that tracks a quantile of the update norms (Andrew, Thakkar, McMahan and
/// Ramaswamy 2021, "Differentially Private Learning with Adaptive Clipping", arXiv:1905.03871).
///
/// Each round every contributor reports the bit b_i = 1 if its update norm is <= C (before
/// clipping). The aggregate of those bits is released with noise of standard deviation
/// sigma_b; with b~ = noisy sum / contributors, the clip norm follows the geometric update
///
///     C <- C * exp(-eta (b~ - gamma)),
///
/// which drives the fraction of unclipped updates toward the target quantile gamma. The bit
/// sum costs privacy too; the paper keeps the total equal to a Gaussian of multiplier z by
/// lowering the update's multiplier to z_delta = (z^-2 - (2 sigma_b)^-2)^(-1/2)
/// (`updateNoiseMultiplier`), since the bit query has sensitivity 1/2 after centring.
public struct AdaptiveQuantileClipping: Sendable, Codable, Equatable {
    /// The target fraction gamma of updates left unclipped, in (0, 1).
    public let targetQuantile: Double
    /// The geometric learning rate eta (> 0); the paper uses 0.2.
    public let learningRate: Double
    /// The clip norm C to use in the next round.
    public private(set) var clipNorm: Double

    /// Starts at `initialClipNorm`.
    /// - Throws: `ApiaryError(.invalidArgument)` naming the parameter for a non-positive or
    ///   non-finite clip norm or learning rate, or a target quantile outside (0, 1).
    public init(initialClipNorm: Double, targetQuantile: Double = 0.5, learningRate: Double = 0.2) throws {
        try PrivacyParameterCheck.positive(initialClipNorm, "initial clip norm")
        try PrivacyParameterCheck.positive(learningRate, "clipping learning rate")
        guard targetQuantile.isFinite, targetQuantile > 0, targetQuantile < 1 else {
            throw ApiaryError(.invalidArgument, "target quantile must lie strictly between 0 and 1, got \(targetQuantile)")
        }
        self.clipNorm = initialClipNorm
        self.targetQuantile = targetQuantile
        self.learningRate = learningRate
    }

    /// The bit a contributor reports: 1 if its update's norm is within the current clip norm.
    public func unclippedIndicator(updateNorm: Double) -> Int {
        updateNorm <= clipNorm ? 1 : 0
    }

    /// Moves the clip norm after a round, given the *noisy* sum of the contributors' bits.
    /// The noisy fraction may leave [0, 1]; it is used as is (clamping would bias the update).
    /// - Throws: `ApiaryError(.invalidArgument)` for a non-finite sum or a contributor count below 1.
    public mutating func update(noisyUnclippedCount: Double, contributors: Int) throws {
        guard noisyUnclippedCount.isFinite else {
            throw ApiaryError(.invalidArgument, "noisy unclipped count must be finite, got \(noisyUnclippedCount)")
        }
        guard contributors >= 1 else {
            throw ApiaryError(.invalidArgument, "contributors must be at least 1, got \(contributors)")
        }
        let fraction = noisyUnclippedCount / Double(contributors)
        clipNorm *= exp(-learningRate * (fraction - targetQuantile))
    }

    /// The noise multiplier for the clipped updates such that updates plus the bit count
    /// together cost the same as one Gaussian of multiplier `totalNoiseMultiplier`.
    /// - Throws: `ApiaryError(.invalidArgument)` unless both are positive and
    ///   2 sigma_b > z (otherwise the bit count alone would spend the whole budget).
    public static func updateNoiseMultiplier(totalNoiseMultiplier z: Double, countNoiseStddev sigmaB: Double) throws -> Double {
        try PrivacyParameterCheck.positive(z, "noise multiplier")
        try PrivacyParameterCheck.positive(sigmaB, "count noise standard deviation")
        let remaining = 1 / (z * z) - 1 / (4 * sigmaB * sigmaB)
        guard remaining > 0 else {
            throw ApiaryError(.invalidArgument, "count noise standard deviation \(sigmaB) must exceed half the noise multiplier \(z)")
        }
        return 1 / remaining.squareRoot()
    }
}
