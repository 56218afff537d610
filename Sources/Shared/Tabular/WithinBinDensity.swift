import Foundation

/// Where numbers fall inside their bins when a model samples them: a log-linear density per
/// bin, derived from the bin probabilities alone (post-processing; no data, no budget).
///
/// Drawing uniformly inside a wide bin is what breaks long-tailed columns: a last bin of
/// [4.8, 21] that really holds values around 5 to 8 would get values spread to 21, and those
/// invented extremes dominate variances and Pearson correlations. Instead, each bin's density
/// follows its neighbours: with densities rho_i = p_i / width_i, the density at the edge between
/// bins i and i+1 is sqrt(rho_i * rho_(i+1)); inside bin i the log-density is linear between its
/// two edge values (then scaled so the bin keeps its probability). An edge with no neighbour
/// (the outer edges, or next to an empty bin) continues the same slope: its value is
/// rho_i^2 / (the other edge's value), so a tail bin decays by the ratio of its neighbour's
/// density to its own. A bin with no usable neighbour stays uniform. The slope across a bin is
/// capped (`maximumLogRatio`) so a near-empty neighbour cannot squeeze a bin onto one edge.
public struct WithinBinDensity: Sendable {
    /// Largest |log(left edge density / right edge density)| across one bin.
    public static let maximumLogRatio = 8.0
    /// Per column, per value code: the decay kappa across the bin (density proportional to
    /// exp(-kappa * t) at relative position t in [0, 1]); 0 means uniform.
    public let decay: [[Double]]

    /// Densities for `schema` from each column's probabilities over its codes (the missing
    /// code, when present, is ignored; categorical columns get none).
    public init(schema: TableSchema, codeProbabilities: [[Double]]) {
        decay = schema.columns.indices.map { column in
            let kind = schema.columns[column].kind
            guard kind.isNumeric, column < codeProbabilities.count else { return [] }
            let bins = kind.valueCodeCount
            let probabilities = codeProbabilities[column]
            let densities: [Double] = (0..<bins).map { bin in
                guard bin < probabilities.count, let size = Discretiser.binSize(kind, bin: bin), size > 0 else { return 0 }
                return max(0, probabilities[bin]) / size
            }
            return Self.decays(densities: densities)
        }
    }

    /// The decay across each bin for densities `rho` (see the type's description).
    static func decays(densities rho: [Double]) -> [Double] {
        func edge(_ left: Int, _ right: Int) -> Double? {
            guard left >= 0, right < rho.count, rho[left] > 0, rho[right] > 0 else { return nil }
            return (rho[left] * rho[right]).squareRoot()
        }
        return rho.indices.map { bin in
            let squared = rho[bin] * rho[bin]
            guard rho[bin] > 0, let known = edge(bin - 1, bin) ?? edge(bin, bin + 1) else { return 0 }
            // A missing edge continues the slope: left * right = rho^2.
            let left = edge(bin - 1, bin) ?? squared / known
            let right = edge(bin, bin + 1) ?? squared / known
            return min(max(log(left / right), -maximumLogRatio), maximumLogRatio)
        }
    }

    /// The relative position in [0, 1) inside bin `code` of `column` for a uniform draw `u`
    /// in [0, 1): the inverse of the bin's cumulative distribution. Codes without a density
    /// (categories, the missing code) return `u`.
    public func position(column: Int, code: Int, uniform u: Double) -> Double {
        guard column < decay.count, code >= 0, code < decay[column].count else { return u }
        let kappa = decay[column][code]
        guard abs(kappa) > 1e-9 else { return u }
        // Inverse CDF of a density proportional to exp(-kappa t) on [0, 1].
        let t = -log1p(u * expm1(-kappa)) / kappa
        return min(max(t, 0), 0.999_999_999)
    }
}
