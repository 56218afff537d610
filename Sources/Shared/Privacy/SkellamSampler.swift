/// Exact samples of the symmetric Skellam distribution Sk(mu, mu): the difference of two
/// independent Poisson(mu) draws, mean 0 and variance 2 mu.
///
/// Skellam is the distributed-noise distribution of Apiary: sums of independent
/// Sk(mu_i, mu_i) are exactly Sk(sum mu_i, sum mu_i), so shares added by separate agents
/// combine into the noise the accountant assumed (Agarwal, Kairouz and Liu 2021).
public struct SkellamSampler: Sendable {
    /// The Poisson mean of each side.
    public var mu: ExactRational { poisson.mean }
    private let poisson: PoissonSampler

    /// A sampler for Sk(mu, mu).
    /// - Throws: as `PoissonSampler.init(mean:)`.
    public init(mu: ExactRational) throws {
        poisson = try PoissonSampler(mean: mu)
    }

    /// One sample.
    public func sample(using source: some RandomSource) -> Int64 {
        let plus = poisson.sample(using: source)
        let minus = poisson.sample(using: source)
        // Both are below 2^62 + O(sqrt) with overwhelming probability; the conversion traps otherwise.
        return Int64(plus) - Int64(minus)
    }

    /// `count` independent samples, e.g. one noise share per coordinate of an update.
    public func samples(_ count: Int, using source: some RandomSource) -> [Int64] {
        (0..<max(0, count)).map { _ in sample(using: source) }
    }
}
