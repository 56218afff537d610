import Foundation

/// A Gaussian copula over the discretised columns: each column's distribution over its codes
/// and a correlation matrix of normal scores. Sampling draws z ~ N(0, R), maps each z_j to
/// u_j = Phi(z_j), picks the code whose CDF interval holds u_j and places the value in the bin
/// at the matching relative position, shaped by the bin's `WithinBinDensity` (so numbers are
/// continuous within bins and monotone in z).
public struct CopulaModel: SynthesisModel, Codable, Equatable {
    /// The schema.
    public let schema: TableSchema
    /// Every column's probabilities over its codes (each strictly positive, summing to 1).
    public let marginals: [[Double]]
    /// Correlation matrix of the normal scores (positive definite, unit diagonal).
    public let correlation: SymmetricMatrix
    /// The noisy estimate of the number of records fitted.
    public let estimatedRecords: Double

    /// A model with the given parts.
    /// - Throws: `ApiaryError(.invalidArgument)` if sizes disagree with the schema or the
    ///   correlation matrix is not positive definite.
    public init(schema: TableSchema, marginals: [[Double]], correlation: SymmetricMatrix, estimatedRecords: Double) throws {
        guard marginals.count == schema.columns.count, correlation.size == schema.columns.count,
              zip(marginals, schema.codeCounts).allSatisfy({ $0.count == $1 }) else {
            throw ApiaryError(.invalidArgument, "copula model does not match the schema")
        }
        _ = try correlation.cholesky()
        self.schema = schema
        self.marginals = marginals
        self.correlation = correlation
        self.estimatedRecords = estimatedRecords
    }

    /// One line: every pair of columns is linked, through one correlation of normal scores.
    public var structure: [String] {
        ["every pair of the \(schema.columns.count) columns, through a Gaussian copula's correlation matrix"]
    }

    /// Cumulative probabilities at code boundaries (0 first, 1 last) of every column.
    public var cumulative: [[Double]] { marginals.map(Self.boundaries) }

    static func boundaries(_ probabilities: [Double]) -> [Double] {
        let total = probabilities.reduce(0, +)
        var running = 0.0
        var result = [0.0]
        for p in probabilities {
            running += p / total
            result.append(running)
        }
        result[result.count - 1] = 1
        return result
    }

    /// `rows` rows drawn from the copula.
    public func sample(rows: Int, using random: some RandomSource) -> Table {
        let d = schema.columns.count
        let factor = try! correlation.cholesky()  // checked positive definite at init
        let cdfs = cumulative
        let discretiser = Discretiser(schema: schema)
        let density = WithinBinDensity(schema: schema, codeProbabilities: marginals)
        var values = [[Double]](repeating: [Double](repeating: 0, count: rows), count: d)
        var g = [Double](repeating: 0, count: d)
        for row in 0..<rows {
            for j in 0..<d { g[j] = MSTGenerator.gaussian(random) }
            for i in 0..<d {
                var z = 0.0
                for k in 0...i { z += factor[i * d + k] * g[k] }
                let u = NormalDistribution.cdf(z)
                let boundaries = cdfs[i]
                var code = TreeModel.draw(Array(boundaries.dropFirst()), u)
                code = min(code, marginals[i].count - 1)
                let width = boundaries[code + 1] - boundaries[code]
                let position = width > 0 ? min(max((u - boundaries[code]) / width, 0), 0.999_999_999) : 0.5
                values[i][row] = discretiser.value(column: i, code: code, position: density.position(column: i, code: code, uniform: position))
            }
        }
        return try! Table(schema: schema, columns: values)
    }
}
