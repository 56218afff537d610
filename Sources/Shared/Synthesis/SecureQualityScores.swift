/// Quality scores decoded from the noisy sum of the agents' `QualityScoreQuery` vectors:
/// differentially private averages over every contributing agent's holdout.
public struct SecureQualityScores: Sendable, Codable, Equatable {
    /// Noisy number of holdout records scored.
    public let records: Double
    /// Mean column score (1 - TV or KS distance), weighted by holdout size.
    public let columnShapes: Double
    /// Mean pair score (1 - contingency TV distance), weighted by holdout size; nil for a
    /// table of one column, which has no pairs.
    public let pairTrends: Double?
    /// Train-on-synthetic, test-on-real accuracy and AUC from the pooled histograms.
    public let trainOnSynthetic: ClassifierScores?
    /// Standard deviation of the noise on `columnShapes` and `pairTrends` (public: the release's
    /// noise over the noisy record count), nil without noise.
    public let noiseDeviation: Double?

    private enum CodingKeys: String, CodingKey {
        case records
        case columnShapes = "column_shapes"
        case pairTrends = "pair_trends"
        case trainOnSynthetic = "train_on_synthetic"
        case noiseDeviation = "noise_sd"
    }

    /// Scores with the given values.
    public init(records: Double, columnShapes: Double, pairTrends: Double?, trainOnSynthetic: ClassifierScores?,
                noiseDeviation: Double? = nil) {
        self.noiseDeviation = noiseDeviation
        self.records = records
        self.columnShapes = columnShapes
        self.pairTrends = pairTrends
        self.trainOnSynthetic = trainOnSynthetic
    }
}
