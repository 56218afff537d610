/// The quality report's classifier: `FeatureEncoder` + `LogisticRegression` predicting whether
/// the target is its positive category. Rows with a missing target are left out.
public struct TargetClassifier: Sendable, Codable, Equatable {
    /// The target column.
    public let target: Int
    /// The positive category's code.
    public let positiveCode: Int
    /// The fitted features.
    public let encoder: FeatureEncoder
    /// The fitted model.
    public let model: LogisticRegression

    /// Trains on `training`.
    public init(training: Table, target: Int, positiveCode: Int, steps: Int = 300) {
        let rows = training.filter { !training.values[target][$0].isNaN }
        self.target = target
        self.positiveCode = positiveCode
        encoder = FeatureEncoder(fitting: rows, excluding: target)
        model = LogisticRegression(features: encoder.encode(rows), featureCount: encoder.featureCount,
                                   labels: rows.values[target].map { Int($0) == positiveCode }, steps: steps)
    }

    /// P(positive) and the true label of every row of `table` with a target.
    public func predict(_ table: Table) -> (probabilities: [Double], labels: [Bool]) {
        let rows = table.filter { !table.values[target][$0].isNaN }
        let probabilities = model.probabilities(features: encoder.encode(rows), featureCount: encoder.featureCount)
        return (probabilities, rows.values[target].map { Int($0) == positiveCode })
    }

    /// Accuracy (threshold 0.5) and AUC on `table`.
    public func scores(on table: Table) -> ClassifierScores {
        let (probabilities, labels) = predict(table)
        let correct = zip(probabilities, labels).filter { ($0 >= 0.5) == $1 }.count
        return ClassifierScores(accuracy: labels.isEmpty ? 0 : Double(correct) / Double(labels.count),
                                auc: LogisticRegression.auc(scores: probabilities, labels: labels))
    }
}
