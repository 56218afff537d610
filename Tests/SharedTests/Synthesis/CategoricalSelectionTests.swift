import Foundation
import Testing
@testable import Shared

/// MST's selection round on columns of many categories, where every cell of a pair table adds
/// noise to its mutual information.
@Suite("MST selection over many-category columns")
struct CategoricalSelectionTests {
    /// A chain A -> B -> C -> D -> E of eight-category columns: each copies its parent with
    /// probability 0.4, else takes a uniform category.
    static let schema = TableSchema(columns: ["A", "B", "C", "D", "E"].map { name in
        ColumnSchema(name: name, kind: .categorical(categories: (0..<8).map { "\(name.lowercased())\($0)" }))
    })

    static func chain(rows: Int, seed: UInt64) -> Table {
        let random = SeededRandom(seed: seed)
        var table = Table(schema: schema)
        for _ in 0..<rows {
            var row = [Double(random.uniform(below: 8))]
            for _ in 1..<5 {
                row.append(random.unitDouble() < 0.4 ? row[row.count - 1] : Double(random.uniform(below: 8)))
            }
            table.append(row: row)
        }
        return table
    }

    /// In how many of `runs` noisy runs (3 institutions of 700 rows, epsilon 0.5) the tree is
    /// exactly the chain.
    static func chainsRecovered(_ generator: MSTGenerator, runs: Int) throws -> Int {
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 0.5, delta: 1e-6, quorum: 3)
        let edges: Set<[Int]> = [[0, 1], [1, 2], [2, 3], [3, 4]]
        var recovered = 0
        for run in 0..<runs {
            let tables = (0..<3).map { chain(rows: 700, seed: UInt64(100 * run + $0)) }
            guard case .tree(let model) = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: UInt64(run + 1)) else {
                Issue.record("MST must give a tree model")
                return 0
            }
            if Set(model.edges.map { [min($0.parent, $0.child), max($0.parent, $0.child)] }) == edges { recovered += 1 }
        }
        return recovered
    }

    @Test("with noise, categories merged for selection recover a chain of eight-category columns more often than whole ones")
    func mergedCategoriesRecoverTheChain() throws {
        // Measured: 11 of 20 merged, 6 of 20 whole (the same tables and noise).
        let merged = try Self.chainsRecovered(MSTGenerator(), runs: 20)
        let whole = try Self.chainsRecovered(MSTGenerator(selectionMergesCategories: false), runs: 20)
        #expect(merged >= 10)
        #expect(merged >= whole + 3, "merged \(merged), whole \(whole)")
    }
}
