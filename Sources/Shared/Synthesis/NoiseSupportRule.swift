/// Which of a column's noisy one-way counts stand out of the noise, for MST's fit and the
/// copula's sampling margins alike (post-processing: the counts and the public noise level).
///
/// A count is kept when it passes `fineThreshold` noise deviations, except that a numeric
/// column's bin with neither neighbour passing needs `isolatedThreshold` unless its three-bin
/// window passes `fineThreshold` deviations of the window's noise and a bin two away passes.
/// With a few dozen bins per column, some empty tail bin passes 2 deviations in half the runs,
/// and the rows sent there are outliers that decide the column's Pearson correlations; in a
/// small table such a lone bin can be the only one passing, and a column then collapses onto
/// it. Real mass seldom sits in one bin with nothing near it (docs/QUALITY.md: flchain's pair
/// trends at epsilon 1 0.922 -> 0.929 over twelve seeds, breast cancer's column shapes 0.687 ->
/// 0.737).
public struct NoiseSupportRule: Sendable {
    /// Deviations a count needs to stand out.
    public let fineThreshold: Double
    /// Deviations a numeric bin needs with nothing passing beside it.
    public let isolatedThreshold: Double

    /// A rule with the given thresholds (in noise standard deviations).
    public init(fineThreshold: Double, isolatedThreshold: Double) {
        self.fineThreshold = fineThreshold
        self.isolatedThreshold = isolatedThreshold
    }

    /// `counts` with those taken as empty set to zero; `deviation` is one count's noise
    /// standard deviation (0: every positive count is kept).
    public func keptCounts(_ counts: [Double], column: ColumnSchema, deviation: Double) -> [Double] {
        let passes = counts.map { $0 > fineThreshold * deviation }
        guard column.kind.isNumeric, deviation > 0 else { return zip(counts, passes).map { $1 ? $0 : 0 } }
        let bins = column.kind.valueCodeCount
        return counts.enumerated().map { code, value in
            guard passes[code] else { return 0 }
            guard code < bins else { return value }
            let neighbour = (code > 0 && passes[code - 1]) || (code + 1 < bins && passes[code + 1])
            // The bin with its neighbours, against `fineThreshold` deviations of their summed noise:
            // real mass spread over sparse neighbours passes, noise on one empty bin seldom does.
            // Only near other mass (a passing bin two bins away): a far tail bin with nothing
            // passing around it needs `isolatedThreshold` whatever its window holds.
            let window = (max(0, code - 1)...min(bins - 1, code + 1)).map { counts[$0] }
            let nearMass = (code >= 2 && passes[code - 2]) || (code + 2 < bins && passes[code + 2])
            let windowPasses = nearMass && window.reduce(0, +) > fineThreshold * deviation * Double(window.count).squareRoot()
            return neighbour || windowPasses || value > isolatedThreshold * deviation ? value : 0
        }
    }
}
