import Foundation
import Testing
@testable import Shared

@Suite("Within-bin densities for sampled numbers")
struct WithinBinDensityTests {
    /// A long-tailed column: narrow bins holding most rows, then one wide tail bin.
    static let schema = TableSchema(columns: [
        ColumnSchema(name: "assay", kind: .real(lower: 0, upper: 21, binEdges: [0, 1, 2, 3, 5, 21], decimals: nil), missing: .keep),
        ColumnSchema(name: "group", kind: .categorical(categories: ["a", "b"])),
    ])

    @Test("a wide tail bin after a dense neighbour decays by the ratio of their densities; flat histograms stay uniform")
    func decays() {
        // Densities per unit: 0.4, 0.3, 0.2, 0.04 (bin [3, 5]), 0.00125 (bin [5, 21]); missing code ignored.
        let density = WithinBinDensity(schema: Self.schema, codeProbabilities: [[0.4, 0.3, 0.2, 0.08, 0.02, 0.5], [0.5, 0.5]])
        let tail = density.decay[0][4]
        #expect(abs(tail - log(0.04 / 0.00125)) < 1e-9)  // the outer edge continues the slope
        #expect(density.decay[0][1] > 0 && density.decay[0][1] < tail)
        #expect(density.decay[1].isEmpty)  // categories have no density
        let flat = WithinBinDensity.decays(densities: [0.1, 0.1, 0.1])
        #expect(flat.allSatisfy { abs($0) < 1e-12 })
        // An isolated bin (empty neighbours) stays uniform; a rising histogram rises inside its bins.
        #expect(WithinBinDensity.decays(densities: [0, 0.2, 0]) == [0, 0, 0])
        #expect(WithinBinDensity.decays(densities: [0.1, 0.2, 0.4]).allSatisfy { $0 < 0 })
        // A near-empty neighbour cannot push the slope past the cap.
        #expect(WithinBinDensity.decays(densities: [1, 1e-12]).allSatisfy { abs($0) <= WithinBinDensity.maximumLogRatio })
    }

    @Test("positions are the inverse CDF of exp(-kappa t): monotone, inside [0, 1), with the exponential's mean")
    func inverseCDF() {
        let density = WithinBinDensity(schema: Self.schema, codeProbabilities: [[0.4, 0.3, 0.2, 0.08, 0.02, 0.5], [0.5, 0.5]])
        let kappa = density.decay[0][4]
        var previous = -1.0
        var sum = 0.0
        let draws = 100_000
        for step in 0..<draws {
            let u = (Double(step) + 0.5) / Double(draws)
            let t = density.position(column: 0, code: 4, uniform: u)
            #expect(t >= previous && t >= 0 && t < 1)
            previous = t
            sum += t
        }
        // Mean of the truncated exponential on [0, 1]: 1/kappa - 1/(e^kappa - 1).
        let expected = 1 / kappa - 1 / (exp(kappa) - 1)
        #expect(abs(sum / Double(draws) - expected) < 1e-3)
        #expect(expected < 0.3)  // most of the tail bin's values sit near its lower edge
        // The missing code and categorical columns pass the draw through.
        #expect(density.position(column: 0, code: 5, uniform: 0.7) == 0.7)
        #expect(density.position(column: 1, code: 0, uniform: 0.7) == 0.7)
    }

    @Test("a tree model samples a long tail near its dense side instead of spreading it over the wide bin")
    func treeSampling() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "assay", kind: .real(lower: 0, upper: 21, binEdges: [0, 1, 2, 3, 5, 21], decimals: nil)),
        ])
        let model = try TreeModel(schema: schema, root: 0, edges: [], groups: [[0, 1, 2, 3, 4]], marginals: [[0.4, 0.3, 0.2, 0.08, 0.02]],
                                  conditionals: [], withinGroup: [[1, 1, 1, 1, 1]], estimatedRecords: 1_000)
        let table = model.sample(rows: 50_000, using: SeededRandom(seed: 7))
        let tail = table.values[0].filter { $0 >= 5 }
        #expect(abs(Double(tail.count) / 50_000 - 0.02) < 0.004)
        // Uniform drawing would put the tail's mean at 13; the decaying density keeps it near 5 + 16 * 0.19.
        let mean = tail.reduce(0, +) / Double(tail.count)
        #expect(mean > 5.5 && mean < 10)
    }
}
