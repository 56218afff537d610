import Foundation

/// Whether a run's noise is larger than the counts it measured: the case where a small table at
/// a small epsilon comes out degenerate (a column collapsed onto a few values, a class lost)
/// while every row still fits the schema. Post-processing of released figures only.
public enum NoiseDominanceCheck {
    /// A warning when even the least noisy release's deviation per count, sqrt(2 mu), exceeds
    /// the count of a typical one-way cell (estimated records over the mean number of codes per
    /// column); nil otherwise, or without noise.
    public static func warning(releases: [ReleaseRecord], schema: TableSchema, estimatedRecords: Double) -> String? {
        let deviations = releases.filter { $0.totalMu > 0 }.map { (2 * $0.totalMu).squareRoot() }
        guard let least = deviations.min(), !schema.columns.isEmpty else { return nil }
        let meanCodes = Double(schema.columns.map(\.codeCount).reduce(0, +)) / Double(schema.columns.count)
        let typicalCell = max(0, estimatedRecords) / max(1, meanCodes)
        guard least > typicalCell else { return nil }
        return String(format: "the noise (deviation %.0f records per count at least) exceeds a typical column cell (about %.0f records: %.0f records over %.1f bins or categories a column); expect columns collapsed onto a few values and rare classes lost. Use a larger epsilon, fewer bins per column, or more rows", least, typicalCell, max(0, estimatedRecords), meanCodes)
    }
}
