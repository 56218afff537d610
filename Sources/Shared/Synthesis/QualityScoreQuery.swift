/// The agent-side quality check before publication: an agent scores the candidate synthetic
/// table against its own private holdout and releases the scores as a bounded integer vector
/// that goes through the same packing, encryption and Skellam noise as every other release.
///
/// Vector (all sums over the agent's holdout records, S = `scale`):
///   [0] S n, n the number of holdout records;
///   [1] round(S n mean-column-distance), [2] round(S n mean-pair-distance) (`QualityReport`'s
///       distances);
///   then, with a target, S times a histogram of the TSTR classifier's P(positive) in `buckets`
///   equal buckets, negatives first then positives.
/// Adding or removing one holdout record changes [0] by S, each n-scaled distance by at most
/// S + 1 (n times a TV or KS distance moves by at most 1, plus rounding) and one histogram cell
/// by S: L1 = 4S + 2, L2 = sqrt(2 S^2 + 2 (S + 1)^2). Every coordinate has about the same
/// sensitivity, so the common noise costs none of them more than it needs. The classifier is trained on the candidate
/// (already public), never on an agent's own rows: a model trained on private rows would make
/// the holdout scores depend on those rows with no bound, so train-on-real is not released.
public struct QualityScoreQuery: Sendable, Codable, Equatable {
    /// SHA-256 (hex) of the candidate synthetic CSV the agent must score.
    public let candidateSHA256: String
    /// Fixed-point scale S of the distances.
    public let scale: Int
    /// Number of probability buckets of the classifier histogram (0 without a target).
    public let buckets: Int
    /// Gradient steps of the TSTR classifier.
    public let trainingSteps: Int

    /// A query for the candidate with the given hash.
    public init(candidateSHA256: String, scale: Int = 100, buckets: Int = 10, trainingSteps: Int = 300) {
        self.candidateSHA256 = candidateSHA256
        self.scale = scale
        self.buckets = buckets
        self.trainingSteps = trainingSteps
    }

    /// Name of the quality release in a privacy plan.
    public static let release = "quality-scores"

    /// The query for `schema`: a classifier histogram only when the schema names a target.
    public static func forSchema(_ schema: TableSchema, candidateSHA256: String) -> QualityScoreQuery {
        QualityScoreQuery(candidateSHA256: candidateSHA256, buckets: schema.positiveTargetCode == nil ? 0 : 10)
    }

    /// The quality release planned next to a generator's releases so that it takes `share` of
    /// the total budget weight (`share` in [0, 1); its weight is share / (1 - share) times the
    /// generator's). Its sensitivity depends on the schema (target or not), not on the candidate.
    public static func plannedRelease(share: Double, generatorReleases: [PlannedRelease], schema: TableSchema) -> PlannedRelease {
        let generatorWeight = generatorReleases.reduce(0) { $0 + $1.weight }
        let (l1, l2) = forSchema(schema, candidateSHA256: "").sensitivity
        return PlannedRelease(name: release, l1: l1, l2: l2, weight: share * generatorWeight / (1 - share))
    }

    /// The round that asks every agent to score the candidate whose CSV has hash
    /// `candidateSHA256`, with the plan's noise for the quality release.
    public static func roundTask(candidateSHA256: String, round: Int, plan: PrivacyPlan, schema: TableSchema) throws -> RoundTask {
        let block = try MeasurementBlock(release: release, query: .qualityScores(forSchema(schema, candidateSHA256: candidateSHA256)),
                                         noise: plan.noise(for: release))
        return RoundTask(generator: "quality", round: round, blocks: [block])
    }

    /// Length of the vector.
    public var outputCount: Int { 3 + 2 * buckets }

    /// (L1, L2) sensitivity of one holdout record (see the type's documentation).
    public var sensitivity: (l1: Double, l2: Double) {
        let s = Double(scale)
        let histogram = buckets > 0 ? s : 0
        return (s + 2 * (s + 1) + histogram, (s * s + 2 * (s + 1) * (s + 1) + histogram * histogram).squareRoot())
    }

    /// Largest absolute value one record adds to a coordinate.
    public var maxAbsolutePerRecord: Double { Double(scale) + 1 }

    /// The agent's vector for its `holdout`, scoring `candidate` (whose CSV hash the caller has
    /// checked against `candidateSHA256`). `classifier` may be passed in when already trained on
    /// the candidate (every agent trains the same deterministic model).
    public func evaluate(holdout: Table, candidate: Table, classifier: TargetClassifier? = nil) throws -> [Int64] {
        guard holdout.schema == candidate.schema else { throw ApiaryError(.invalidArgument, "holdout and candidate schemas differ") }
        let n = holdout.rowCount
        var vector = [Int64](repeating: 0, count: outputCount)
        vector[0] = Int64(n) * Int64(scale)
        guard n > 0, candidate.rowCount > 0 else { return vector }
        let s = Double(scale), count = Double(n)
        let columns = QualityReport.columnDistances(synthetic: candidate, holdout: holdout)
        vector[1] = Int64((s * count * columns.reduce(0, +) / Double(columns.count)).rounded())
        let pairs = QualityReport.pairDistances(synthetic: candidate.codes(), holdout: holdout.codes(), schema: holdout.schema)
        vector[2] = pairs.isEmpty ? 0 : Int64((s * count * pairs.reduce(0, +) / Double(pairs.count)).rounded())
        if buckets > 0, let target = holdout.schema.targetIndex, let positive = holdout.schema.positiveTargetCode {
            let model = classifier ?? TargetClassifier(training: candidate, target: target, positiveCode: positive, steps: trainingSteps)
            let (probabilities, labels) = model.predict(holdout)
            for (probability, label) in zip(probabilities, labels) {
                let bucket = min(buckets - 1, max(0, Int(probability * Double(buckets))))
                vector[3 + (label ? buckets : 0) + bucket] += Int64(scale)
            }
        }
        return vector
    }

    /// The coordinator's view: averages from the noisy sum over agents (clamped to valid ranges),
    /// with the noise's standard deviation on the two averages when `noiseVariance` (per
    /// coordinate, public) is given. `hasPairs` is false for a table of one column: its pair
    /// coordinate holds noise alone and no pair score is reported.
    public func decode(_ sums: [Int64], noiseVariance: Double = 0, hasPairs: Bool = true) throws -> SecureQualityScores {
        guard sums.count == outputCount else { throw ApiaryError(.invalidArgument, "quality vector has \(sums.count) values, expected \(outputCount)") }
        let n = max(1.0, Double(sums[0]) / Double(scale))
        let clamp: (Double) -> Double = { min(1, max(0, $0)) }
        var tstr: ClassifierScores? = nil
        if buckets > 0 {
            let negatives = (0..<buckets).map { max(0, Double(sums[3 + $0])) }
            let positives = (0..<buckets).map { max(0, Double(sums[3 + buckets + $0])) }
            tstr = Self.histogramScores(negatives: negatives, positives: positives)
        }
        return SecureQualityScores(records: Double(sums[0]) / Double(scale),
                                   columnShapes: clamp(1 - Double(sums[1]) / (Double(scale) * n)),
                                   pairTrends: hasPairs ? clamp(1 - Double(sums[2]) / (Double(scale) * n)) : nil,
                                   trainOnSynthetic: tstr,
                                   noiseDeviation: noiseVariance > 0 ? noiseVariance.squareRoot() / (Double(scale) * n) : nil)
    }

    /// Whether decoded scores rest on enough holdout records to be reported: the noisy record
    /// count must be at least `minimumDeviations` of its own noise standard deviations
    /// (sqrt(variance) / S, public). Below that the averages are mostly noise (with no holdouts
    /// at all, a column score anywhere in [0, 1]).
    public func isReliable(_ scores: SecureQualityScores, noiseVariance: Double, minimumDeviations: Double = 5) -> Bool {
        scores.records > 0 && scores.records >= minimumDeviations * noiseVariance.squareRoot() / Double(scale)
    }

    /// The decoded scores for a table of `schema` if they are reliable enough to report
    /// (`isReliable`), else nil.
    public func reportedScores(_ sums: [Int64], noiseVariance: Double, schema: TableSchema) throws -> SecureQualityScores? {
        let scores = try decode(sums, noiseVariance: noiseVariance, hasPairs: schema.columns.count >= 2)
        return isReliable(scores, noiseVariance: noiseVariance) ? scores : nil
    }

    /// Accuracy (buckets at or above one half predict positive) and AUC (ties within a bucket
    /// count half) from per-class histograms of predicted probabilities.
    public static func histogramScores(negatives: [Double], positives: [Double]) -> ClassifierScores {
        let buckets = negatives.count
        let totalNegative = negatives.reduce(0, +), totalPositive = positives.reduce(0, +)
        let total = totalNegative + totalPositive
        guard total > 0 else { return ClassifierScores(accuracy: 0, auc: 0.5) }
        var correct = 0.0
        for bucket in 0..<buckets {
            if Double(bucket) >= Double(buckets) / 2 { correct += positives[bucket] } else { correct += negatives[bucket] }
        }
        var auc = 0.5
        if totalNegative > 0, totalPositive > 0 {
            var negativesBelow = 0.0, pairs = 0.0
            for bucket in 0..<buckets {
                pairs += positives[bucket] * (negativesBelow + negatives[bucket] / 2)
                negativesBelow += negatives[bucket]
            }
            auc = pairs / (totalNegative * totalPositive)
        }
        return ClassifierScores(accuracy: correct / total, auc: auc)
    }
}
