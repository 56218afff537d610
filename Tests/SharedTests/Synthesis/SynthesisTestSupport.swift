import Foundation
@testable import Shared

/// Small known-structure tables and an in-memory round driver (no cryptography) for the
/// synthesis tests.
enum SynthesisTestSupport {
    /// A chain A -> B -> C of categorical columns (B copies A with probability 0.85, C copies
    /// B likewise), an independent real column X, and D = a noisy function of A as integers.
    static let chainSchema = TableSchema(columns: [
        ColumnSchema(name: "A", kind: .categorical(categories: ["a0", "a1", "a2"])),
        ColumnSchema(name: "B", kind: .categorical(categories: ["b0", "b1", "b2"])),
        ColumnSchema(name: "C", kind: .categorical(categories: ["c0", "c1", "c2"])),
        ColumnSchema(name: "X", kind: .real(lower: 0, upper: 10, binEdges: [0, 2, 4, 6, 8, 10], decimals: 2)),
    ], target: "C", positiveCategory: "c2")

    static func chainTable(rows: Int, seed: UInt64) -> Table {
        let random = SeededRandom(seed: seed)
        var table = Table(schema: chainSchema)
        func follow(_ parent: Int) -> Int {
            random.unitDouble() < 0.85 ? parent : Int(random.uniform(below: 3))
        }
        for _ in 0..<rows {
            let a = Int(random.uniform(below: 3))
            let b = follow(a)
            let c = follow(b)
            let x = (random.unitDouble() * 1000).rounded() / 100
            table.append(row: [Double(a), Double(b), Double(c), x])
        }
        return table
    }

    /// Runs `generator` over `tables` (one per institution) with `plan`, summing the agents'
    /// noisy vectors in the clear: the arithmetic of the federated path without encryption.
    static func fit(_ generator: any Generator, tables: [Table], plan: PrivacyPlan, seed: UInt64 = 1) throws -> FittedModel {
        let schema = tables[0].schema
        var history: [RoundOutcome] = []
        while true {
            switch try generator.nextStep(schema: schema, plan: plan, history: history) {
            case .finished(let model):
                return model
            case .task(let task):
                var sum = [Int64](repeating: 0, count: task.outputCount(schema: schema))
                for (index, table) in tables.enumerated() {
                    let vector = try LocalContribution.compute(task: task, table: table,
                                                               random: SeededRandom(seed: seed &+ UInt64(index * 1000 + task.round)))
                    for i in sum.indices { sum[i] += vector[i] }
                }
                history.append(RoundOutcome(task: task, sums: try task.split(sum, schema: schema), contributors: tables.count))
            }
        }
    }

    /// Empirical distribution of the codes of `column`.
    static func distribution(_ table: Table, column: Int) -> [Double] {
        let codes = table.codes()[column]
        var counts = [Double](repeating: 0, count: table.schema.columns[column].codeCount)
        for code in codes { counts[code] += 1 }
        return counts.map { $0 / Double(codes.count) }
    }

    /// Empirical probability that columns i and j have the same code.
    static func agreement(_ table: Table, _ i: Int, _ j: Int) -> Double {
        let codes = table.codes()
        return Double(zip(codes[i], codes[j]).filter { $0 == $1 }.count) / Double(table.rowCount)
    }
}
