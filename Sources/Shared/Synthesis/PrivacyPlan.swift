/// The noise of every release of a synthesis run, calibrated together so that their
/// composition meets the target (epsilon, delta) when exactly `quorum` agents contribute.
///
/// Each release r gets a total Skellam mu_r = l2_r^2 / (4 rho w_r): its Gaussian-part RDP
/// alpha l2^2 / (4 mu) is the share w_r of a common rho. rho is found by bisection so that the
/// accountant's epsilon of all releases composed (Skellam RDP with the discrete correction, the
/// default order grid, the improved conversion) equals the target. Agents then draw shares of
/// mu_r / quorum (rounded up to a multiple of 1/64, `DistributedSkellamNoise`), so the real epsilon is at most the
/// target and is recomputed from the actual noise by `accountedEpsilon(contributors:)`.
/// An infinite epsilon means no noise at all (for measuring the no-privacy ceiling).
public struct PrivacyPlan: Sendable, Codable, Equatable {
    /// Target epsilon (+infinity: no noise, no guarantee).
    public let epsilon: Double
    /// Target delta.
    public let delta: Double
    /// t_min: the fewest contributors a release may have.
    public let quorum: Int
    /// The releases, in order.
    public let releases: [PlannedRelease]
    /// The noise of each release by name (empty when epsilon is infinite).
    public let noises: [String: DistributedSkellamNoise]

    /// Whether the plan adds noise.
    public var isPrivate: Bool { epsilon.isFinite }

    /// Each agent's mu is rounded up to a multiple of 1/64. Whole numbers added up to a third
    /// of the noise where shares are small (a mu of 2.3 each at epsilon 5 became 3, and the
    /// run spent 4.62-4.69 of epsilon 5; with three agents and a tiny table, 3.80); a power of
    /// two keeps totals exact in the ledger's millionths.
    public static let shareDenominator: UInt64 = 64

    /// Calibrates the noise of `releases` for (epsilon, delta) at `quorum` contributors.
    /// - Throws: `ApiaryError(.invalidArgument)` for a non-positive epsilon, a delta outside
    ///   (0, 1), a quorum below 1, duplicate release names or a non-positive weight or
    ///   sensitivity; `.outOfRange` if no noise level reaches the target.
    public static func calibrate(releases: [PlannedRelease], epsilon: Double, delta: Double, quorum: Int,
                                 grid: RDPOrderGrid = .dpAccountingDefault) throws -> PrivacyPlan {
        guard epsilon > 0, !epsilon.isNaN else { throw ApiaryError(.invalidArgument, "epsilon must be positive, got \(epsilon)") }
        try PrivacyParameterCheck.delta(delta)
        guard quorum >= 1 else { throw ApiaryError(.invalidArgument, "quorum must be at least 1, got \(quorum)") }
        guard Set(releases.map(\.name)).count == releases.count else {
            throw ApiaryError(.invalidArgument, "release names must be unique")
        }
        for release in releases {
            guard release.weight > 0, release.l1 > 0, release.l2 > 0, release.weight.isFinite else {
                throw ApiaryError(.invalidArgument, "release '\(release.name)' needs a positive weight and sensitivities")
            }
        }
        guard epsilon.isFinite else {
            return PrivacyPlan(epsilon: epsilon, delta: delta, quorum: quorum, releases: releases, noises: [:])
        }
        let totalWeight = releases.reduce(0) { $0 + $1.weight }
        func mus(_ rho: Double) -> [Double] { releases.map { $0.l2 * $0.l2 / (4 * rho * $0.weight / totalWeight) } }
        func epsilonAt(_ rho: Double) throws -> Double {
            var accountant = PrivacyAccountant(grid: grid)
            for (release, mu) in zip(releases, mus(rho)) {
                try accountant.composeSkellam(mu: mu, l1: release.l1, l2: release.l2, steps: 1)
            }
            return try accountant.epsilon(delta: delta).epsilon
        }
        // epsilon grows with rho: bracket, then bisect on a log scale to 1e-9 relative.
        var low = 1e-12, high = 1e6
        let floor = try epsilonAt(low)
        guard floor <= epsilon else {
            // Near-infinite noise still costs log(1/delta)/(order - 1) at the grid's largest order.
            throw ApiaryError(.outOfRange, "no noise level reaches epsilon \(epsilon) at delta \(delta): the accountant's smallest "
                              + "reachable epsilon there is \(String(format: "%.4g", floor)); raise epsilon or delta")
        }
        if try epsilonAt(high) <= epsilon { low = high }
        while high / low > 1 + 1e-9 {
            let middle = (low * high).squareRoot()
            if try epsilonAt(middle) <= epsilon { low = middle } else { high = middle }
        }
        var noises: [String: DistributedSkellamNoise] = [:]
        for (release, mu) in zip(releases, mus(low)) {
            noises[release.name] = try DistributedSkellamNoise(quorum: quorum, targetTotalMu: mu, l1: release.l1, l2: release.l2,
                                                               shareDenominator: Self.shareDenominator)
        }
        return PrivacyPlan(epsilon: epsilon, delta: delta, quorum: quorum, releases: releases, noises: noises)
    }

    /// The noise of release `name` (nil without privacy).
    /// - Throws: `ApiaryError(.notFound)` for a release the plan does not know, when private.
    public func noise(for name: String) throws -> DistributedSkellamNoise? {
        guard isPrivate else { return nil }
        guard let noise = noises[name] else { throw ApiaryError(.notFound, "the privacy plan has no release '\(name)'") }
        return noise
    }

    /// The epsilon actually spent: the composition of the releases made, each with the noise
    /// its actual contributors added, converted at `delta`. Releases not made are not counted.
    /// Infinite without privacy.
    public func accountedEpsilon(contributors: [String: Int], grid: RDPOrderGrid = .dpAccountingDefault)
        throws -> (epsilon: Double, order: Double) {
        guard isPrivate else { return (.infinity, .nan) }
        var accountant = PrivacyAccountant(grid: grid)
        for release in releases {
            guard let count = contributors[release.name], let noise = noises[release.name] else { continue }
            guard count >= quorum else {
                throw ApiaryError(.outOfRange, "release '\(release.name)' had \(count) contributors, below the quorum \(quorum)")
            }
            try accountant.composeSkellam(mu: noise.actualTotalMu(contributors: count), l1: noise.l1, l2: noise.l2, steps: 1)
        }
        return try accountant.epsilon(delta: delta)
    }
}
