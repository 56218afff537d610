import Foundation

/// Thresholds the institutions' noisy quality scores must reach before a candidate synthetic
/// table is published (coordinator setting `qualityGate`, JSON keys as the property names).
/// Each threshold is optional; a candidate that misses any set threshold, or whose scores were
/// withheld (too few holdout records to tell from the noise), is not published. The scores are
/// differentially private averages, so a threshold should leave room for their noise (the
/// datasheet's `noise_sd`).
public struct QualityGate: Sendable, Codable, Equatable {
    /// Least mean column score (1 - TV or KS distance).
    public var minimumColumnShapes: Double?
    /// Least mean pair score (1 - contingency TV distance; needs two or more columns).
    public var minimumPairTrends: Double?
    /// Least AUC, on the institutions' holdouts, of the classifier trained on the candidate
    /// (needs a schema target).
    public var minimumAUC: Double?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case minimumColumnShapes, minimumPairTrends, minimumAUC
    }

    /// A gate with the given thresholds.
    public init(minimumColumnShapes: Double? = nil, minimumPairTrends: Double? = nil, minimumAUC: Double? = nil) {
        self.minimumColumnShapes = minimumColumnShapes
        self.minimumPairTrends = minimumPairTrends
        self.minimumAUC = minimumAUC
    }

    public init(from decoder: any Decoder) throws {
        // Unknown keys are refused: a misspelt threshold must not silently gate nothing.
        let known = CodingKeys.allCases.map(\.rawValue)
        if let unknown = try UnknownFields.of(decoder, known: Set(known)).first {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "qualityGate: unknown field '\(unknown)' (known: \(known.joined(separator: ", ")))"))
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minimumColumnShapes = try c.decodeIfPresent(Double.self, forKey: .minimumColumnShapes)
        minimumPairTrends = try c.decodeIfPresent(Double.self, forKey: .minimumPairTrends)
        minimumAUC = try c.decodeIfPresent(Double.self, forKey: .minimumAUC)
    }

    /// Checks that every threshold lies in [0, 1], at least one is set, there is a quality
    /// round to check (`qualityBudgetShare` > 0), a pair threshold has pairs and an AUC
    /// threshold a target to score (when `schema` is given); `field` names the setting in errors.
    public func validate(schema: TableSchema?, qualityBudgetShare: Double, field: String) throws {
        let thresholds = [("minimumColumnShapes", minimumColumnShapes), ("minimumPairTrends", minimumPairTrends), ("minimumAUC", minimumAUC)]
        guard thresholds.contains(where: { $0.1 != nil }) else {
            throw ApiaryError(.invalidArgument, "\(field) sets no threshold (minimumColumnShapes, minimumPairTrends, minimumAUC)")
        }
        for (name, value) in thresholds {
            if let value, !(0...1).contains(value) {
                throw ApiaryError(.invalidArgument, "\(field).\(name) must lie in [0, 1], got \(value)")
            }
        }
        guard qualityBudgetShare > 0 else {
            throw ApiaryError(.invalidArgument, "\(field) needs a quality round: set qualityBudgetShare above 0")
        }
        if minimumPairTrends != nil, let schema, schema.columns.count < 2 {
            throw ApiaryError(.invalidArgument, "\(field).minimumPairTrends needs a schema of two or more columns (one column has no pairs to score)")
        }
        if minimumAUC != nil, let schema, schema.targetIndex == nil {
            throw ApiaryError(.invalidArgument, "\(field).minimumAUC needs a target column in the schema (there is no classifier to score)")
        }
    }

    /// What `scores` miss, one sentence each; empty when the candidate may be published.
    public func failures(_ scores: SecureQualityScores?) -> [String] {
        guard let scores else { return ["the scores were withheld: too few holdout records to tell them from the noise"] }
        var failures: [String] = []
        func check(_ name: String, _ value: Double?, _ minimum: Double?) {
            guard let minimum else { return }
            guard let value else {
                failures.append("no \(name) score to check against \(minimum)")
                return
            }
            if value < minimum { failures.append("\(name) \(Self.format(value)) below the minimum \(Self.format(minimum))") }
        }
        check("column shapes", scores.columnShapes, minimumColumnShapes)
        check("pair trends", scores.pairTrends, minimumPairTrends)
        check("train-on-synthetic AUC", scores.trainOnSynthetic?.auc, minimumAUC)
        return failures
    }

    private static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
