import Foundation
import Testing
@testable import Shared

/// The DP Gaussian copula and its numeric helpers.
@Suite("Gaussian copula")
struct GaussianCopulaTests {
    @Test("normal quantile inverts the CDF; nearest correlation is positive definite with a unit diagonal")
    func helpers() throws {
        for p in [1e-10, 0.001, 0.02425, 0.3, 0.5, 0.9, 0.999999] {
            #expect(abs(NormalDistribution.cdf(NormalDistribution.quantile(p)) - p) < 1e-12 * max(1, p / 1e-10))
        }
        #expect(abs(NormalDistribution.quantile(0.975) - 1.959963984540054) < 1e-12)
        let indefinite = SymmetricMatrix(size: 3, entries: [1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1])
        #expect(throws: ApiaryError.self) { try indefinite.cholesky() }
        let fixed = indefinite.nearestCorrelation()
        _ = try fixed.cholesky()
        #expect((0..<3).allSatisfy { fixed[$0, $0] == 1 })
        #expect(fixed[0, 1] > 0 && fixed[0, 2] < 0)
    }

    @Test("two correlated numeric columns: the copula recovers the sign and rough size of the correlation")
    func recoversCorrelation() throws {
        let schema = TableSchema(columns: [
            ColumnSchema(name: "u", kind: .real(lower: -5, upper: 5, binEdges: Array(stride(from: -5.0, through: 5, by: 0.5)), decimals: 3)),
            ColumnSchema(name: "v", kind: .real(lower: -5, upper: 5, binEdges: Array(stride(from: -5.0, through: 5, by: 0.5)), decimals: 3)),
            ColumnSchema(name: "w", kind: .real(lower: -5, upper: 5, binEdges: Array(stride(from: -5.0, through: 5, by: 0.5)), decimals: 3)),
        ])
        let random = SeededRandom(seed: 51)
        var table = Table(schema: schema)
        for _ in 0..<3000 {
            let a = MSTGenerator.gaussian(random), b = MSTGenerator.gaussian(random), c = MSTGenerator.gaussian(random)
            table.append(row: [a, 0.8 * a + 0.6 * b, c].map { min(5, max(-5, $0)) })
        }
        let generator = GaussianCopulaGenerator()
        for epsilon in [Double.infinity, 3] {
            let plan = try PrivacyPlan.calibrate(releases: try generator.plannedReleases(schema: schema), epsilon: epsilon, delta: 1e-6, quorum: 1)
            guard case .copula(let model) = try SynthesisTestSupport.fit(generator, tables: [table], plan: plan) else {
                Issue.record("copula generator must give a copula model")
                return
            }
            #expect(abs(model.correlation[0, 1] - 0.8) < (epsilon.isFinite ? 0.15 : 0.06), "epsilon \(epsilon)")
            #expect(abs(model.correlation[0, 2]) < (epsilon.isFinite ? 0.15 : 0.06))
            let sample = model.sample(rows: 4000, using: random)
            let (x, y) = (sample.values[0], sample.values[1])
            let mx = x.reduce(0, +) / 4000, my = y.reduce(0, +) / 4000
            let cov = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
            let sx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }.squareRoot(), sy = y.reduce(0) { $0 + ($1 - my) * ($1 - my) }.squareRoot()
            #expect(cov / (sx * sy) > 0.6)
        }
    }

    @Test("moment query sensitivity bounds what one record contributes")
    func momentSensitivity() throws {
        let table = SynthesisTestSupport.chainTable(rows: 200, seed: 61)
        let cumulative = table.schema.codeCounts.map { k in (0...k).map { Double($0) / Double(k) } }
        let query = CopulaMomentQuery(cumulative: cumulative, clipNormSquared: 6, scale: 64)
        let full = try query.evaluate(table: table)
        for removed in [0, 57, 199] {
            let difference = zip(full, try query.evaluate(table: table.filter { $0 != removed })).map { Double($0 - $1) }
            #expect(difference.reduce(0) { $0 + abs($1) } <= query.sensitivity.l1)
            #expect(difference.reduce(0) { $0 + $1 * $1 }.squareRoot() <= query.sensitivity.l2)
        }
    }
}
