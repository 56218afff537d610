import Foundation
import Testing
@testable import Shared

/// The thresholds a candidate's noisy quality scores must reach before publication.
@Suite("Quality gate")
struct QualityGateTests {
    static let scores = SecureQualityScores(records: 1200, columnShapes: 0.94, pairTrends: 0.81,
                                            trainOnSynthetic: ClassifierScores(accuracy: 0.7, auc: 0.76), noiseDeviation: 0.01)

    @Test("each set threshold is checked; only the misses are reported")
    func failures() {
        #expect(QualityGate(minimumColumnShapes: 0.9, minimumPairTrends: 0.8, minimumAUC: 0.7).failures(Self.scores).isEmpty)
        let missed = QualityGate(minimumColumnShapes: 0.95, minimumPairTrends: 0.8, minimumAUC: 0.8).failures(Self.scores)
        #expect(missed == ["column shapes 0.940 below the minimum 0.950", "train-on-synthetic AUC 0.760 below the minimum 0.800"])
        // Without a classifier score (no target) an AUC threshold cannot pass.
        let untargeted = SecureQualityScores(records: 1200, columnShapes: 0.94, pairTrends: 0.81, trainOnSynthetic: nil)
        #expect(QualityGate(minimumAUC: 0.5).failures(untargeted) == ["no train-on-synthetic AUC score to check against 0.5"])
        #expect(QualityGate(minimumPairTrends: 0.1).failures(nil).count == 1, "withheld scores never pass")
    }

    @Test("settings are checked: thresholds in [0, 1], at least one, a quality round, a pair threshold needs pairs, an AUC threshold a target, unknown keys refused")
    func validation() throws {
        let schema = TableSchema(columns: [ColumnSchema(name: "k", kind: .categorical(categories: ["a", "b"]))])
        #expect(throws: ApiaryError.self) { try QualityGate().validate(schema: nil, qualityBudgetShare: 0.1, field: "qualityGate") }
        #expect(throws: ApiaryError.self) { try QualityGate(minimumPairTrends: 1.2).validate(schema: nil, qualityBudgetShare: 0.1, field: "qualityGate") }
        #expect(throws: ApiaryError.self) { try QualityGate(minimumAUC: 0.6).validate(schema: schema, qualityBudgetShare: 0.1, field: "qualityGate") }
        try QualityGate(minimumAUC: 0.6).validate(schema: nil, qualityBudgetShare: 0.1, field: "qualityGate")
        try QualityGate(minimumColumnShapes: 0.9).validate(schema: schema, qualityBudgetShare: 0.1, field: "qualityGate")
        // One column has no pairs to score.
        #expect(throws: ApiaryError.self) { try QualityGate(minimumPairTrends: 0.5).validate(schema: schema, qualityBudgetShare: 0.1, field: "qualityGate") }
        let twoColumns = TableSchema(columns: schema.columns + [ColumnSchema(name: "m", kind: .categorical(categories: ["x", "y"]))])
        try QualityGate(minimumPairTrends: 0.5).validate(schema: twoColumns, qualityBudgetShare: 0.1, field: "qualityGate")
        #expect(throws: ApiaryError.self) { try QualityGate(minimumColumnShapes: 0.9).validate(schema: schema, qualityBudgetShare: 0, field: "qualityGate") }
        let decoded = try JSONDecoder().decode(QualityGate.self, from: Data(#"{"minimumPairTrends": 0.8}"#.utf8))
        #expect(decoded == QualityGate(minimumPairTrends: 0.8))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(QualityGate.self, from: Data(#"{"minimumPairTrend": 0.8}"#.utf8)) }
    }
}
