import Testing
@testable import Shared

@Suite("Tables whose parent is the target: empty cells judged against independence")
struct TargetTableFloorTests {
    @Test("below the floor but consistent with independence, a cell is kept; far below independence, it is emptied")
    func floorAgainstIndependence() {
        // Rows of 300 and 100; the minority row's sparse cells (independence values 10, 5, 5)
        // are measured about there, under a floor of 12.
        let noisy: [Double] = [240, 31, 14, 15, 80, 9, 6, 5]
        let rows = [300.0, 100], columns = [320.0, 40, 20, 20]
        let plain = MarginalProjection.fitTable(noisy, rows: 2, columns: 4, rowSums: rows, columnSums: columns, smoothing: 0, floor: 12)
        let judged = MarginalProjection.fitTable(noisy, rows: 2, columns: 4, rowSums: rows, columnSums: columns, smoothing: 0, floor: 12,
                                                 flooringAgainstIndependence: true)
        let minorityShare = { (table: [Double]) in table[5...7].reduce(0, +) / table[4...7].reduce(0, +) }
        #expect(minorityShare(plain) < 1e-6, "one floor empties the minority row's sparse cells: \(plain)")
        #expect(abs(minorityShare(judged) - 0.2) < 0.03, "judged against independence they keep their share: \(judged)")
        // A real structural zero: independence puts 25 where 1 and 2 were measured.
        let diagonal = MarginalProjection.fitTable([50, 1, 2, 49], rows: 2, columns: 2, rowSums: [51, 51], columnSums: [52, 50],
                                                   smoothing: 0, floor: 12, flooringAgainstIndependence: true)
        #expect(diagonal[1] < 1e-6 && diagonal[2] < 1e-6, "cells far below independence are still emptied: \(diagonal)")
    }

    @Test("with noise, a zero-inflated column independent of an unbalanced target keeps its non-zero values in both classes")
    func minorityClassKeepsSparseValues() throws {
        let edges: [Double] = [0, 1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        let schema = TableSchema(columns: [
            ColumnSchema(name: "status", kind: .categorical(categories: ["good", "bad"])),
            ColumnSchema(name: "debt", kind: .real(lower: 0, upper: 100, binEdges: edges, decimals: 0)),
        ], target: "status")
        let random = SeededRandom(seed: 5)
        let tables = try (0..<3).map { _ -> Table in
            var columns: [[Double]] = [[], []]
            for _ in 0..<300 {
                columns[0].append(random.unitDouble() < 0.25 ? 1 : 0)
                columns[1].append(random.unitDouble() < 0.8 ? 0 : (1 + random.unitDouble() * 98).rounded(.down))
            }
            return try Table(schema: schema, columns: columns)
        }
        let generator = MSTGenerator()
        let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: 1, delta: 1e-6, quorum: 3)
        for seed in UInt64(1)...3 {
            let synthetic = try SynthesisTestSupport.fit(generator, tables: tables, plan: plan, seed: seed).model
                .sample(rows: 900, using: SeededRandom(seed: seed))
            let nonZeroShare = (0..<2).map { status -> Double in
                let debts = zip(synthetic.values[0], synthetic.values[1]).filter { Int($0.0) == status }.map(\.1)
                return Double(debts.filter { $0 > 0 }.count) / Double(max(1, debts.count))
            }
            // Real share 0.2 in both classes; one floor gave the minority class none.
            #expect(nonZeroShare.allSatisfy { $0 > 0.1 }, "seed \(seed): share of non-zero debt, good and bad: \(nonZeroShare)")
        }
    }
}
