/// What an agent computes for one block of a round: a description as data, so a coordinator
/// can send it and an agent can check it (its sensitivity follows from the query alone).
public enum MeasurementQuery: Sendable, Codable, Equatable {
    /// Marginal counts of the discretised table.
    case marginals(MarginalSetQuery)
    /// Sums of products of normal scores (the copula's second pass).
    case copulaMoments(CopulaMomentQuery)
    /// Scores of a candidate synthetic table against the agent's holdout.
    case qualityScores(QualityScoreQuery)

    /// Length of the integer vector.
    public func outputCount(schema: TableSchema) -> Int {
        switch self {
        case .marginals(let query): return query.outputCount(schema: schema)
        case .copulaMoments(let query): return query.pairCount
        case .qualityScores(let query): return query.outputCount
        }
    }

    /// (L1, L2) sensitivity of the vector to adding or removing one record.
    public var sensitivity: (l1: Double, l2: Double) {
        switch self {
        case .marginals(let query): return query.sensitivity
        case .copulaMoments(let query): return query.sensitivity
        case .qualityScores(let query): return query.sensitivity
        }
    }

    /// Largest absolute value one record adds to one coordinate (sizes the packing slots).
    public var maxAbsolutePerRecord: Double {
        switch self {
        case .marginals: return 1
        case .copulaMoments(let query): return query.maxAbsolutePerRecord
        case .qualityScores(let query): return query.maxAbsolutePerRecord
        }
    }
}
