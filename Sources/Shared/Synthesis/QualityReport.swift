/// How close a synthetic table is to real data, scored against a real holdout.
///
/// - Column shape: 1 - distance per column; total variation distance over categories for a
///   categorical column, the Kolmogorov-Smirnov statistic for a numeric one (a kept missing
///   value counts as below every number). `columnShapes` is the mean over columns.
/// - Pair trend: 1 - total variation distance between the two tables' joint distributions of
///   the pair's codes (schema bins for numbers), averaged over all column pairs.
/// - Train on synthetic, test on real (TSTR): a `LogisticRegression` on one-hot and standardised
///   features trained on the synthetic rows predicts the target's positive category on the
///   holdout; accuracy and AUC. With real training rows, the same trained on them (TRTR) gives
///   the reference, and `aucRatio` = TSTR AUC / TRTR AUC.
///
/// Every distance here changes by at most 1/n when one holdout record is added or removed
/// (times n, by at most 1), which is what lets agents release n-scaled distances with noise
/// (`QualityScoreQuery`).
public struct QualityReport: Sendable, Codable, Equatable {
    /// 1 - distance of each column, by name.
    public let columnScores: [String: Double]
    /// Mean column score.
    public let columnShapes: Double
    /// Mean pair score.
    public let pairTrends: Double
    /// TSTR scores, if the schema has a target.
    public let trainOnSynthetic: ClassifierScores?
    /// TRTR scores, if real training rows were given.
    public let trainOnReal: ClassifierScores?

    /// TSTR AUC divided by TRTR AUC, when both exist.
    public var aucRatio: Double? {
        guard let synthetic = trainOnSynthetic, let real = trainOnReal, real.auc > 0 else { return nil }
        return synthetic.auc / real.auc
    }

    /// Scores `synthetic` against `holdout` (same schema), with `realTraining` for the TRTR reference.
    /// - Throws: `ApiaryError(.invalidArgument)` if the schemas differ or either table is empty.
    public static func score(synthetic: Table, holdout: Table, realTraining: Table? = nil,
                             trainingSteps: Int = 300) throws -> QualityReport {
        guard synthetic.schema == holdout.schema, realTraining.map({ $0.schema == holdout.schema }) ?? true else {
            throw ApiaryError(.invalidArgument, "quality scoring needs tables with the same schema")
        }
        guard synthetic.rowCount > 0, holdout.rowCount > 0 else {
            throw ApiaryError(.invalidArgument, "quality scoring needs non-empty synthetic and holdout tables")
        }
        let schema = holdout.schema
        var columnScores: [String: Double] = [:]
        let distances = columnDistances(synthetic: synthetic, holdout: holdout)
        for (index, column) in schema.columns.enumerated() { columnScores[column.name] = 1 - distances[index] }
        let pairs = pairDistances(synthetic: synthetic.codes(), holdout: holdout.codes(), schema: schema)
        var tstr: ClassifierScores? = nil
        var trtr: ClassifierScores? = nil
        if let target = schema.targetIndex, let positive = schema.positiveTargetCode {
            let model = TargetClassifier(training: synthetic, target: target, positiveCode: positive, steps: trainingSteps)
            tstr = model.scores(on: holdout)
            if let realTraining, realTraining.rowCount > 0 {
                trtr = TargetClassifier(training: realTraining, target: target, positiveCode: positive, steps: trainingSteps)
                    .scores(on: holdout)
            }
        }
        return QualityReport(columnScores: columnScores,
                             columnShapes: 1 - distances.reduce(0, +) / Double(distances.count),
                             pairTrends: pairs.isEmpty ? 1 : 1 - pairs.reduce(0, +) / Double(pairs.count),
                             trainOnSynthetic: tstr, trainOnReal: trtr)
    }

    /// Per-column distance (TV or KS) between the synthetic table and the holdout.
    public static func columnDistances(synthetic: Table, holdout: Table) -> [Double] {
        let schema = holdout.schema
        return schema.columns.indices.map { column in
            if schema.columns[column].kind.isNumeric {
                return kolmogorovSmirnov(synthetic.values[column], holdout.values[column])
            }
            let k = schema.columns[column].codeCount
            let discretiser = Discretiser(schema: schema)
            let a = histogram(synthetic.values[column].map { discretiser.code(column: column, value: $0) }, cells: k)
            let b = histogram(holdout.values[column].map { discretiser.code(column: column, value: $0) }, cells: k)
            return totalVariation(a, b)
        }
    }

    /// TV distance between the pair tables of every column pair (i < j, row-major order).
    public static func pairDistances(synthetic: [[Int]], holdout: [[Int]], schema: TableSchema) -> [Double] {
        let cardinalities = schema.codeCounts
        var result: [Double] = []
        for i in 0..<cardinalities.count {
            for j in (i + 1)..<max(i + 1, cardinalities.count) {
                let cells = cardinalities[i] * cardinalities[j]
                let a = histogram(zip(synthetic[i], synthetic[j]).map { $0 * cardinalities[j] + $1 }, cells: cells)
                let b = histogram(zip(holdout[i], holdout[j]).map { $0 * cardinalities[j] + $1 }, cells: cells)
                result.append(totalVariation(a, b))
            }
        }
        return result
    }

    /// Two-sample Kolmogorov-Smirnov statistic; NaN (missing) sorts below every number.
    public static func kolmogorovSmirnov(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return a.isEmpty == b.isEmpty ? 0 : 1 }
        let key: (Double) -> Double = { $0.isNaN ? -.infinity : $0 }
        let x = a.map(key).sorted(), y = b.map(key).sorted()
        var i = 0, j = 0, largest = 0.0
        while i < x.count || j < y.count {
            let value = min(i < x.count ? x[i] : .infinity, j < y.count ? y[j] : .infinity)
            while i < x.count && x[i] == value { i += 1 }
            while j < y.count && y[j] == value { j += 1 }
            largest = max(largest, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return largest
    }

    static func histogram(_ codes: [Int], cells: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: cells)
        for code in codes { counts[code] += 1 }
        return counts
    }

    /// TV distance between two count vectors, each normalised (0 for two empty vectors).
    static func totalVariation(_ a: [Double], _ b: [Double]) -> Double {
        let ta = a.reduce(0, +), tb = b.reduce(0, +)
        guard ta > 0, tb > 0 else { return ta == tb ? 0 : 1 }
        return zip(a, b).reduce(0) { $0 + abs($1.0 / ta - $1.1 / tb) } / 2
    }
}
