import Foundation

/// The second pass of the DP Gaussian copula: sums over records of products of normal scores.
///
/// With the first pass's public CDFs, a record's value in column j becomes
/// u_j = F_j(code - 1) + position * p_j(code) (position within the bin, 0.5 for categories)
/// and z_j = Phi^-1(u_j), limited to |z_j| <= `scoreLimit`; then the whole vector z is scaled
/// down to squared norm at most `clipNormSquared` (C^2). The record contributes
/// round(scale * z_i z_j) for every pair i <= j (the diagonal lets the coordinator normalise by
/// the clipped scores' own variances, which removes most of the clipping's shrinkage).
/// Sensitivity of one record's integer vector, m = d (d + 1) / 2 entries:
/// L2 <= scale C^2 + sqrt(m) / 2 (sum over i<=j of z_i^2 z_j^2 <= |z|^4, plus rounding) and
/// L1 <= scale (d + 1) C^2 / 2 + m / 2 (sum over i<=j of |z_i z_j| <= (|z|_1^2 + |z|^2) / 2).
public struct CopulaMomentQuery: Sendable, Codable, Equatable {
    /// Per column, the cumulative probabilities at the codes' boundaries (codeCount + 1 values, 0 to 1).
    public let cumulative: [[Double]]
    /// C^2, the bound on a record's squared score norm.
    public let clipNormSquared: Double
    /// Fixed-point scale of the products.
    public let scale: Double
    /// Bound on each |z_j|.
    public let scoreLimit: Double

    /// A query with the given CDFs and bounds.
    public init(cumulative: [[Double]], clipNormSquared: Double, scale: Double, scoreLimit: Double = 4) {
        self.cumulative = cumulative
        self.clipNormSquared = clipNormSquared
        self.scale = scale
        self.scoreLimit = scoreLimit
    }

    /// Number of entries m: pairs i <= j.
    public var pairCount: Int { cumulative.count * (cumulative.count + 1) / 2 }

    /// (L1, L2) sensitivity of one record's integer vector (see the type's documentation).
    public var sensitivity: (l1: Double, l2: Double) {
        let d = Double(cumulative.count), m = Double(pairCount)
        return (scale * (d + 1) * clipNormSquared / 2 + m / 2, scale * clipNormSquared + m.squareRoot() / 2)
    }

    /// Largest absolute value one record adds to a coordinate.
    public var maxAbsolutePerRecord: Double { (scale * clipNormSquared).rounded(.up) + 1 }

    /// The clipped normal scores of every row (row-major, d per row).
    public func normalScores(table: Table) -> [[Double]] {
        let discretiser = Discretiser(schema: table.schema)
        let codes = table.codes()
        let d = cumulative.count
        return (0..<table.rowCount).map { row in
            var z = (0..<d).map { column -> Double in
                let code = codes[column][row]
                let low = cumulative[column][code], high = cumulative[column][code + 1]
                let u = low + discretiser.position(column: column, value: table.values[column][row]) * (high - low)
                return min(scoreLimit, max(-scoreLimit, NormalDistribution.quantile(min(max(u, 1e-12), 1 - 1e-12))))
            }
            let squared = z.reduce(0) { $0 + $1 * $1 }
            if squared > clipNormSquared {
                let factor = (clipNormSquared / squared).squareRoot()
                z = z.map { $0 * factor }
            }
            return z
        }
    }

    /// The agent's sums of round(scale z_i z_j) over its rows, pairs (i, j) with i <= j in row-major order.
    public func evaluate(table: Table) throws -> [Int64] {
        guard cumulative.count == table.schema.columns.count else {
            throw ApiaryError(.invalidArgument, "copula query has \(cumulative.count) columns, the table \(table.schema.columns.count)")
        }
        for (column, cdf) in cumulative.enumerated() where cdf.count != table.schema.columns[column].codeCount + 1 {
            throw ApiaryError(.invalidArgument, "copula query's CDF of column \(column + 1) does not match the schema")
        }
        let d = cumulative.count
        var sums = [Int64](repeating: 0, count: pairCount)
        for z in normalScores(table: table) {
            var index = 0
            for i in 0..<d {
                for j in i..<d {
                    sums[index] += Int64((scale * z[i] * z[j]).rounded())
                    index += 1
                }
            }
        }
        return sums
    }
}
