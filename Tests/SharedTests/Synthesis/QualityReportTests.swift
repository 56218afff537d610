import Foundation
import Testing
@testable import Shared

/// Quality metrics on known cases, and the agent-side secure scores against the central ones.
@Suite("Quality report")
struct QualityReportTests {
    /// Each column resampled on its own: the one-way distributions stay, the dependence goes.
    static func independent(_ table: Table, seed: UInt64) -> Table {
        let random = SeededRandom(seed: seed)
        let columns = table.values.map { column in (0..<column.count).map { _ in column[Int(random.uniform(below: UInt64(column.count)))] } }
        return try! Table(schema: table.schema, columns: columns)
    }

    @Test("identical data scores 1; independent sampling keeps shapes but loses pair trends and AUC")
    func knownCases() throws {
        let real = SynthesisTestSupport.chainTable(rows: 1500, seed: 31)
        let holdout = SynthesisTestSupport.chainTable(rows: 1500, seed: 32)
        let same = try QualityReport.score(synthetic: real, holdout: real, realTraining: real, trainingSteps: 100)
        #expect(same.columnShapes == 1 && same.pairTrends == 1)
        #expect(same.columnScores.values.allSatisfy { $0 == 1 })
        #expect(same.aucRatio == 1)

        let good = try QualityReport.score(synthetic: real, holdout: holdout, realTraining: real, trainingSteps: 100)
        let shuffled = try QualityReport.score(synthetic: Self.independent(real, seed: 33), holdout: holdout, realTraining: real,
                                               trainingSteps: 100)
        #expect(good.columnShapes > 0.95 && shuffled.columnShapes > 0.95)
        #expect(shuffled.pairTrends < good.pairTrends - 0.1)
        let goodAUC = try #require(good.trainOnSynthetic?.auc), shuffledAUC = try #require(shuffled.trainOnSynthetic?.auc)
        #expect(goodAUC > 0.75, "C is predictable from B")
        // Nothing to learn from independent columns: no better than always guessing the majority.
        // (Its AUC is meaningless: tiny noise weights can rank a structured holdout either way.)
        let positiveRate = Double(holdout.values[2].filter { $0 == 2 }.count) / Double(holdout.rowCount)
        #expect(try #require(shuffled.trainOnSynthetic?.accuracy) <= max(positiveRate, 1 - positiveRate) + 0.01)
        #expect(shuffledAUC != goodAUC)
    }

    @Test("KS and TV distances on hand-computed cases; AUC with ties")
    func distances() {
        #expect(QualityReport.kolmogorovSmirnov([1, 2, 3, 4], [1, 2, 3, 4]) == 0)
        #expect(QualityReport.kolmogorovSmirnov([1, 2], [3, 4]) == 1)
        #expect(abs(QualityReport.kolmogorovSmirnov([1, 2, 3, 4], [3, 4, 5, 6]) - 0.5) < 1e-12)
        #expect(QualityReport.totalVariation([1, 1], [1, 0]) == 0.5)
        #expect(LogisticRegression.auc(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]) == 0.75)
        #expect(LogisticRegression.auc(scores: [0.5, 0.5], labels: [false, true]) == 0.5)
        let histogram = QualityScoreQuery.histogramScores(negatives: [2, 1, 0, 0], positives: [0, 0, 1, 2])
        #expect(histogram.auc == 1 && histogram.accuracy == 1)
    }

    @Test("agents' scores summed without noise equal the pooled central scores; one holdout record moves the vector within its sensitivity")
    func secureScores() throws {
        let candidate = SynthesisTestSupport.chainTable(rows: 800, seed: 41)
        let holdout = SynthesisTestSupport.chainTable(rows: 600, seed: 42)
        let query = QualityScoreQuery(candidateSHA256: "test", scale: 100, buckets: 10, trainingSteps: 100)
        let classifier = TargetClassifier(training: candidate, target: 2, positiveCode: 2, steps: 100)
        let parts = (0..<3).map { part in holdout.filter { $0 % 3 == part } }
        var sum = [Int64](repeating: 0, count: query.outputCount)
        for part in parts {
            let vector = try query.evaluate(holdout: part, candidate: candidate, classifier: classifier)
            for i in sum.indices { sum[i] += vector[i] }
        }
        let secure = try query.decode(sum)
        #expect(secure.records == 600)
        // Per-agent distances averaged by holdout size, against each part scored centrally.
        let central = try parts.map { try QualityReport.score(synthetic: candidate, holdout: $0, trainingSteps: 100) }
        let expectedShapes = zip(parts, central).reduce(0) { $0 + Double($1.0.rowCount) * $1.1.columnShapes } / 600
        #expect(abs(secure.columnShapes - expectedShapes) < 1e-3)
        let pooled = classifier.scores(on: holdout)
        #expect(abs(try #require(secure.trainOnSynthetic).accuracy - pooled.accuracy) < 1e-9)
        #expect(abs(try #require(secure.trainOnSynthetic).auc - pooled.auc) < 0.03, "bucketed AUC is close to the exact one")
        // Sensitivity: removing one record changes the vector by at most (L1, L2).
        let smaller = holdout.filter { $0 != 17 }
        let a = try query.evaluate(holdout: holdout, candidate: candidate, classifier: classifier)
        let b = try query.evaluate(holdout: smaller, candidate: candidate, classifier: classifier)
        let difference = zip(a, b).map { Double($0 - $1) }
        #expect(difference.reduce(0) { $0 + abs($1) } <= query.sensitivity.l1)
        #expect(difference.reduce(0) { $0 + $1 * $1 }.squareRoot() <= query.sensitivity.l2)
    }
}
