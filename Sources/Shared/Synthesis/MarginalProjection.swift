import Foundation

/// Post-processing of noisy counts into consistent, non-negative tables (no privacy cost).
public enum MarginalProjection {
    /// The Euclidean projection of `counts` onto {x >= 0, sum x = total}: x = max(counts - tau, 0)
    /// for the tau that makes the sum right. It zeroes small noisy cells instead of keeping
    /// every one of them positive, which is what a least-squares estimate under a
    /// non-negativity constraint does. A non-positive total gives all zeros.
    public static func projectToSimplex(_ counts: [Double], total: Double) -> [Double] {
        guard total > 0, !counts.isEmpty else { return [Double](repeating: 0, count: counts.count) }
        let sorted = counts.sorted(by: >)
        var cumulative = 0.0
        var tau = 0.0
        // The largest k with u_k > (sum of the k largest - total) / k fixes tau (the condition
        // holds for a prefix of the sorted values).
        for (index, value) in sorted.enumerated() {
            cumulative += value
            let candidate = (cumulative - total) / Double(index + 1)
            guard value > candidate else { break }
            tau = candidate
        }
        return counts.map { max($0 - tau, 0) }
    }

    /// `projectToSimplex` over the entries at `indices` only; every other entry is zero.
    public static func projectToSimplex(_ counts: [Double], total: Double, over indices: [Int]) -> [Double] {
        var result = [Double](repeating: 0, count: counts.count)
        for (index, mass) in zip(indices, projectToSimplex(indices.map { counts[$0] }, total: total)) { result[index] = mass }
        return result
    }

    /// Combines independent unbiased estimates of the same vector by inverse-variance weighting.
    /// Each estimate comes with the variance of its cells.
    public static func combine(_ estimates: [(values: [Double], variance: Double)]) -> [Double] {
        precondition(!estimates.isEmpty, "nothing to combine")
        let count = estimates[0].values.count
        var weighted = [Double](repeating: 0, count: count)
        var weights = 0.0
        for estimate in estimates {
            let weight = 1 / max(estimate.variance, 1e-12)
            weights += weight
            for i in 0..<count { weighted[i] += weight * estimate.values[i] }
        }
        return weighted.map { $0 / weights }
    }

    /// A rows x columns table (row-major) that has the given row and column sums (which must
    /// have equal totals) and stays close to `noisy`: the least-squares adjustment to the
    /// margins, projected onto non-negative tables with the same total, cells below `floor` and
    /// cells marked in `empty` set to zero (unless that would empty the table), blended with a
    /// `smoothing` share of the independence table (so no row or column is left empty), then
    /// iterative proportional fitting to the margins.
    public static func fitTable(_ noisy: [Double], rows: Int, columns: Int, rowSums: [Double], columnSums: [Double],
                                smoothing: Double = 0.02, iterations: Int = 50, floor: Double = 0, empty: [Bool]? = nil,
                                flooringAgainstIndependence: Bool = false) -> [Double] {
        let total = rowSums.reduce(0, +)
        guard total > 0 else { return [Double](repeating: 0, count: rows * columns) }
        var table = noisy
        // Least-squares adjustment onto the affine set of tables with these margins.
        let rowResidual = (0..<rows).map { r in rowSums[r] - (0..<columns).reduce(0) { $0 + table[r * columns + $1] } }
        let columnResidual = (0..<columns).map { c in columnSums[c] - (0..<rows).reduce(0) { $0 + table[$1 * columns + c] } }
        let totalResidual = rowResidual.reduce(0, +)
        for r in 0..<rows {
            for c in 0..<columns {
                table[r * columns + c] += rowResidual[r] / Double(columns) + columnResidual[c] / Double(rows)
                    - totalResidual / Double(rows * columns)
            }
        }
        // Projecting (rather than clipping at zero) also takes back the mass that positive noise
        // left on empty cells, which would otherwise blur the dependence.
        var positive = projectToSimplex(table, total: total)
        // Cells below `floor` are indistinguishable from empty ones under the noise. With
        // `flooringAgainstIndependence`, only those also below half of what the independence
        // table puts there: a cell whose independence value is itself below the floor is as
        // consistent with that value as with zero, and zeroing it would invent a dependence.
        if floor > 0 {
            let bars = emptinessBars(rowSums: rowSums, columnSums: columnSums, floor: floor, againstIndependence: flooringAgainstIndependence)
            let floored = zip(positive, bars).map { value, bar in value < bar ? 0 : value }
            if floored.reduce(0, +) > 0 { positive = floored }
        }
        if let empty {
            assert(empty.count == positive.count, "a mask of \(empty.count) cells for a table of \(positive.count)")
            let masked = positive.enumerated().map { $0.offset < empty.count && empty[$0.offset] ? 0 : $0.element }
            if masked.reduce(0, +) > 0 { positive = masked }
        }
        let mass = positive.reduce(0, +)
        let keep = mass > 0 ? (1 - smoothing) * total / mass : 0
        let independentShare = mass > 0 ? smoothing : 1
        for r in 0..<rows {
            for c in 0..<columns {
                positive[r * columns + c] = positive[r * columns + c] * keep
                    + independentShare * rowSums[r] * columnSums[c] / total
            }
        }
        for _ in 0..<iterations {
            var worst = 0.0
            for r in 0..<rows {
                let sum = (0..<columns).reduce(0) { $0 + positive[r * columns + $1] }
                worst = max(worst, abs(sum - rowSums[r]))
                let factor = sum > 0 ? rowSums[r] / sum : 0
                for c in 0..<columns { positive[r * columns + c] *= factor }
            }
            for c in 0..<columns {
                let sum = (0..<rows).reduce(0) { $0 + positive[$1 * columns + c] }
                worst = max(worst, abs(sum - columnSums[c]))
                let factor = sum > 0 ? columnSums[c] / sum : 0
                for r in 0..<rows { positive[r * columns + c] *= factor }
            }
            if worst < 1e-9 * total { break }
        }
        return positive
    }

    /// Each cell's bar for counting as empty in a table with these margins (row-major):
    /// `floor`, or with `againstIndependence` the smaller of it and half the cell's value in
    /// the independence table (`fitTable`'s `flooringAgainstIndependence`).
    public static func emptinessBars(rowSums: [Double], columnSums: [Double], floor: Double, againstIndependence: Bool) -> [Double] {
        let total = rowSums.reduce(0, +)
        return rowSums.flatMap { rowSum in
            columnSums.map { columnSum in
                guard againstIndependence else { return floor }
                return total > 0 ? min(floor, rowSum * columnSum / total / 2) : 0
            }
        }
    }

    /// Mutual information (nats) of a non-negative rows x columns table of counts.
    public static func mutualInformation(_ table: [Double], rows: Int, columns: Int) -> Double {
        let total = table.reduce(0, +)
        guard total > 0 else { return 0 }
        let rowSums = (0..<rows).map { r in (0..<columns).reduce(0) { $0 + table[r * columns + $1] } }
        let columnSums = (0..<columns).map { c in (0..<rows).reduce(0) { $0 + table[$1 * columns + c] } }
        var information = 0.0
        for r in 0..<rows where rowSums[r] > 0 {
            for c in 0..<columns where columnSums[c] > 0 {
                let joint = table[r * columns + c]
                if joint > 0 { information += joint / total * log(joint * total / (rowSums[r] * columnSums[c])) }
            }
        }
        return max(0, information)
    }
}
