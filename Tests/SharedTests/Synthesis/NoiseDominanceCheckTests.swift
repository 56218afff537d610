import Foundation
import Testing
@testable import Shared

@Suite("Noise dominance warning")
struct NoiseDominanceCheckTests {
    static let schema = TableSchema(columns: [
        ColumnSchema(name: "kind", kind: .categorical(categories: ["a", "b", "c", "d"])),
        ColumnSchema(name: "age", kind: .integer(lower: 0, upper: 100, binEdges: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])),
    ])

    static func release(mu: Double) -> ReleaseRecord {
        ReleaseRecord(name: "one-way", round: 1, l1: 2, l2: 1.4, totalMu: mu, contributors: 3, coordinates: 14)
    }

    @Test("warns when the least noisy release's deviation exceeds a typical cell, not otherwise, never without noise")
    func warning() throws {
        // 7 codes a column on average: 700 records make cells of about 100.
        let noisy = try #require(NoiseDominanceCheck.warning(releases: [Self.release(mu: 8_000), Self.release(mu: 20_000)],
                                                             schema: Self.schema, estimatedRecords: 700))
        #expect(noisy.contains("deviation 126") && noisy.contains("about 100 records"), "\(noisy)")
        // sqrt(2 * 4000) = 89 < 100: quiet; the noisier release does not matter.
        #expect(NoiseDominanceCheck.warning(releases: [Self.release(mu: 4_000), Self.release(mu: 90_000)],
                                            schema: Self.schema, estimatedRecords: 700) == nil)
        #expect(NoiseDominanceCheck.warning(releases: [Self.release(mu: 0)], schema: Self.schema, estimatedRecords: 10) == nil)
    }
}
