/// A Renyi-DP accountant: composes the mechanisms a dataset has been exposed to (rounds of
/// the subsampled Gaussian, Skellam releases, any RDP curve) and converts the total to
/// (epsilon, delta). The coordinator and every agent run the same code on the same
/// parameters, so their epsilons agree exactly.
public struct PrivacyAccountant: Sendable {
    /// The orders tracked.
    public let grid: RDPOrderGrid
    /// The composed RDP of everything recorded so far.
    public private(set) var curve: RDPCurve

    /// An empty accountant over `grid` (dp-accounting's default grid unless told otherwise).
    public init(grid: RDPOrderGrid = .dpAccountingDefault) {
        self.grid = grid
        self.curve = .zero(over: grid)
    }

    /// Records `steps` rounds of the Poisson-subsampled Gaussian.
    public mutating func composeSubsampledGaussian(samplingRate: Double, noiseMultiplier: Double, steps: Int) throws {
        try compose(SubsampledGaussianRDP.curve(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier,
                                                steps: steps, grid: grid))
    }

    /// Records `steps` Skellam releases with total per-coordinate Poisson mean `mu`.
    public mutating func composeSkellam(mu: Double, l1: Double, l2: Double, steps: Int) throws {
        try compose(SkellamRDP.curve(mu: mu, l1: l1, l2: l2, steps: steps, grid: grid))
    }

    /// Records an arbitrary mechanism given by its RDP curve over this accountant's grid.
    public mutating func compose(_ other: RDPCurve) throws {
        curve = try curve.composed(with: other)
    }

    /// The (epsilon, delta) guarantee of everything recorded, and the order attaining it.
    public func epsilon(delta: Double) throws -> (epsilon: Double, order: Double) {
        try curve.epsilon(delta: delta)
    }

    /// Epsilon of `steps` rounds of the subsampled Gaussian: the query behind
    /// `apiary-coordinator privacy epsilon`.
    public static func subsampledGaussianEpsilon(samplingRate: Double, noiseMultiplier: Double, steps: Int,
                                                 delta: Double, grid: RDPOrderGrid = .dpAccountingDefault)
        throws -> (epsilon: Double, order: Double) {
        try PrivacyParameterCheck.delta(delta)
        return try SubsampledGaussianRDP.curve(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier,
                                               steps: steps, grid: grid).epsilon(delta: delta)
    }

    /// Epsilon of `steps` Skellam releases (total per-coordinate mean `mu`, sensitivities
    /// `l1`, `l2`): the query behind `apiary-coordinator privacy epsilon --mechanism skellam`.
    public static func skellamEpsilon(mu: Double, l1: Double, l2: Double, steps: Int, delta: Double,
                                      grid: RDPOrderGrid = .dpAccountingDefault) throws -> (epsilon: Double, order: Double) {
        try PrivacyParameterCheck.delta(delta)
        return try SkellamRDP.curve(mu: mu, l1: l1, l2: l2, steps: steps, grid: grid).epsilon(delta: delta)
    }
}
