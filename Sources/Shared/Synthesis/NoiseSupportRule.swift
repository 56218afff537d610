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

    /// A numeric column's distribution at the resolution the noise allows, for a column whose
    /// kept codes hold too little of its rows: its bins merged into g groups of equal bin counts
    /// (`Discretiser.coarseGroups`, public), g the most for which an average group's count
    /// keeps `fineThreshold` deviations of its own noise, (N / (s sigma sqrt(b)))^2 for b bins;
    /// groups below that are empty, the rest projected onto the record estimate `total`, each
    /// spread over its bins as `Discretiser.flatDistribution` spreads the column; nothing kept:
    /// flat. Nil where g reaches the schema's bins (no coarser reading helps).
    public func coarseDistribution(column: Int, counts: [Double], total: Double, deviation: Double, discretiser: Discretiser) -> [Double]? {
        let bins = discretiser.schema.columns[column].kind.valueCodeCount
        let signal = total / (fineThreshold * deviation * Double(bins).squareRoot())
        guard signal * signal < Double(bins) else { return nil }
        let groupCount = max(1, Int((signal * signal).rounded(.down)))
        let groups = discretiser.coarseGroups(column: column, maxGroups: groupCount)
        let flat = discretiser.flatDistribution(column: column)
        let cards = (groups.max() ?? -1) + 1
        var sums = [Double](repeating: 0, count: cards), sizes = [Double](repeating: 0, count: cards)
        var flatTotals = [Double](repeating: 0, count: cards)
        for (code, group) in groups.enumerated() {
            sums[group] += counts[code]
            sizes[group] += 1
            flatTotals[group] += flat[code]
        }
        let supported = (0..<cards).filter { sums[$0] > fineThreshold * deviation * sizes[$0].squareRoot() }
        guard !supported.isEmpty else { return flat }
        let projected = MarginalProjection.projectToSimplex(sums, total: total, over: supported)
        let spread = groups.enumerated().map { code, group in flatTotals[group] > 0 ? projected[group] * flat[code] / flatTotals[group] : 0 }
        let mass = spread.reduce(0, +)
        return mass > 0 ? spread.map { $0 / mass } : flat
    }
}
