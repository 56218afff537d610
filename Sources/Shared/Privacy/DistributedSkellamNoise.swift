/// The distributed-noise rule: every agent adds Skellam noise of its own, sized so that any
/// quorum of `quorum` (t_min) contributors together carry at least the target noise.
///
/// Sums of independent Sk(mu_i, mu_i) are exactly Sk(sum mu_i, sum mu_i). Each agent's share
/// is mu_share = ceil(mu_target / t_min) (on a grid of 1/shareDenominator, rounded up), so k
/// contributors give total mu = k mu_share >= mu_target whenever k >= t_min; extra
/// contributors only add noise. The round then records the contributors, the actual total mu
/// and the epsilon computed from that actual noise (`report(contributors:...)`), which is
/// never worse than the target's. No agent's share alone is meant to protect its update:
/// the threshold decryption never opens fewer than t_min updates (design brief 5.3).
public struct DistributedSkellamNoise: Sendable, Codable, Equatable {
    /// t_min: the fewest contributors a round may be released with.
    public let quorum: Int
    /// The total per-coordinate Poisson mean the release must carry at quorum.
    public let targetTotalMu: Double
    /// L1 sensitivity of one record's contribution to the summed integer vector.
    public let l1: Double
    /// L2 sensitivity of one record's contribution to the summed integer vector.
    public let l2: Double
    /// One agent's share of mu (per coordinate, per side of the Skellam difference).
    public let perAgentMu: ExactRational

    /// Shares for a target total mu.
    /// - Throws: `ApiaryError(.invalidArgument)` naming the parameter for a quorum below 1,
    ///   a non-positive or non-finite mu or sensitivity, or a zero share denominator.
    public init(quorum: Int, targetTotalMu: Double, l1: Double, l2: Double, shareDenominator: UInt64 = 1) throws {
        guard quorum >= 1 else {
            throw ApiaryError(.invalidArgument, "quorum t_min must be at least 1, got \(quorum)")
        }
        try PrivacyParameterCheck.positive(targetTotalMu, "target Skellam mu")
        try PrivacyParameterCheck.positive(l1, "L1 sensitivity")
        try PrivacyParameterCheck.positive(l2, "L2 sensitivity")
        var share = try ExactRational.roundingUp(targetTotalMu / Double(quorum), denominator: shareDenominator)
        // The floating-point quotient may itself have rounded down; step up one grid unit if so.
        if share.doubleValue * Double(quorum) < targetTotalMu {
            share = try ExactRational(share.numerator + 1, share.denominator)
        }
        self.quorum = quorum
        self.targetTotalMu = targetTotalMu
        self.l1 = l1
        self.l2 = l2
        self.perAgentMu = share
    }

    /// Shares for the least total mu reaching (targetEpsilon, delta) over `steps` releases
    /// (calibrated with `NoiseCalibration.skellamMu`).
    public static func calibrated(quorum: Int, targetEpsilon: Double, delta: Double, l1: Double, l2: Double,
                                  steps: Int = 1, grid: RDPOrderGrid = .dpAccountingDefault,
                                  shareDenominator: UInt64 = 1) throws -> DistributedSkellamNoise {
        let mu = try NoiseCalibration.skellamMu(targetEpsilon: targetEpsilon, delta: delta, l1: l1, l2: l2,
                                                steps: steps, grid: grid)
        return try DistributedSkellamNoise(quorum: quorum, targetTotalMu: mu, l1: l1, l2: l2,
                                           shareDenominator: shareDenominator)
    }

    /// The sampler an agent uses to draw its noise share for each coordinate.
    public func shareSampler() throws -> SkellamSampler {
        try SkellamSampler(mu: perAgentMu)
    }

    /// The total mu carried by `contributors` shares.
    public func actualTotalMu(contributors: Int) -> Double {
        Double(max(0, contributors)) * perAgentMu.doubleValue
    }

    /// What a round records: contributors, actual total mu and the epsilon of `steps`
    /// releases at that actual noise.
    /// - Throws: `ApiaryError(.outOfRange)` below quorum (such a sum must not be released);
    ///   `ApiaryError(.invalidArgument)` for a bad delta or steps.
    public func report(contributors: Int, delta: Double, steps: Int = 1,
                       grid: RDPOrderGrid = .dpAccountingDefault) throws -> RoundNoiseReport {
        guard contributors >= quorum else {
            throw ApiaryError(.outOfRange, "\(contributors) contributors is below the quorum t_min = \(quorum): the sum would carry less than the target noise and must not be released")
        }
        let total = actualTotalMu(contributors: contributors)
        let (epsilon, order) = try PrivacyAccountant.skellamEpsilon(mu: total, l1: l1, l2: l2, steps: steps,
                                                                    delta: delta, grid: grid)
        return RoundNoiseReport(contributors: contributors, totalMu: total, epsilon: epsilon, order: order, delta: delta)
    }
}
