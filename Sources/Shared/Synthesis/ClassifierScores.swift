/// Accuracy and AUC of a binary classifier (the target's positive category against the rest)
/// on real holdout rows.
public struct ClassifierScores: Sendable, Codable, Equatable {
    /// Fraction of holdout rows classified correctly at threshold 0.5.
    public let accuracy: Double
    /// Area under the ROC curve.
    public let auc: Double

    /// Scores with the given values.
    public init(accuracy: Double, auc: Double) {
        self.accuracy = accuracy
        self.auc = auc
    }
}
