/// Turns table rows into classifier features: one-hot codes for categorical columns (a kept
/// missing value is one more category), standardised numbers for numeric columns (a missing
/// number becomes 0 plus a missing indicator). Means and spreads come from the training table.
public struct FeatureEncoder: Sendable, Codable, Equatable {
    /// Columns used as features (all but the target), in schema order.
    public let columns: [Int]
    /// Per feature column: mean and standard deviation for numeric columns, nil for categorical.
    public let standardisation: [StandardScale?]
    /// Number of features (without the intercept).
    public let featureCount: Int

    /// Mean and standard deviation of a numeric column.
    public struct StandardScale: Sendable, Codable, Equatable {
        /// The mean.
        public let mean: Double
        /// The standard deviation (1 when the column is constant).
        public let deviation: Double
    }

    /// Fits the encoder on `training`, excluding column `target`.
    public init(fitting training: Table, excluding target: Int) {
        let schema = training.schema
        columns = schema.columns.indices.filter { $0 != target }
        var scales: [StandardScale?] = []
        var count = 0
        for column in columns {
            let spec = schema.columns[column]
            if spec.kind.isNumeric {
                let present = training.values[column].filter { !$0.isNaN }
                let mean = present.isEmpty ? 0 : present.reduce(0, +) / Double(present.count)
                let variance = present.isEmpty ? 0 : present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count)
                scales.append(StandardScale(mean: mean, deviation: variance > 0 ? variance.squareRoot() : 1))
                count += spec.missing == .keep ? 2 : 1
            } else {
                scales.append(nil)
                count += spec.codeCount
            }
        }
        standardisation = scales
        featureCount = count
    }

    /// The features of every row of `table` (row-major, `featureCount` per row).
    public func encode(_ table: Table) -> [Double] {
        let schema = table.schema
        let rows = table.rowCount
        var features = [Double](repeating: 0, count: rows * featureCount)
        var offset = 0
        for (position, column) in columns.enumerated() {
            let spec = schema.columns[column]
            let values = table.values[column]
            if let scale = standardisation[position] {
                for row in 0..<rows {
                    let value = values[row]
                    if value.isNaN {
                        features[row * featureCount + offset + 1] = 1
                    } else {
                        // Why: a synthetic or holdout value far outside the training range would
                        // dominate the score; cap standardised values at 5 deviations.
                        features[row * featureCount + offset] = min(5, max(-5, (value - scale.mean) / scale.deviation))
                    }
                }
                offset += spec.missing == .keep ? 2 : 1
            } else {
                for row in 0..<rows {
                    let code = values[row].isNaN ? (spec.missingCode ?? 0) : Int(values[row])
                    features[row * featureCount + offset + code] = 1
                }
                offset += spec.codeCount
            }
        }
        return features
    }
}
