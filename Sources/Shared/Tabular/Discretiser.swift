/// Maps values to discrete codes and back, following the public schema.
///
/// Codes of a column: 0..<k for its k categories or bins, then k for a missing value when the
/// column keeps them. A number falls in bin i when e_i <= x < e_{i+1} (the last bin includes
/// its upper edge). A value within a bin is placed at a relative position in the part of the bin
/// that lies within the bounds (whole numbers for integer columns); models choose the position
/// with `WithinBinDensity`.
public struct Discretiser: Sendable {
    /// The schema.
    public let schema: TableSchema

    /// A discretiser for `schema` (assumed valid).
    public init(schema: TableSchema) { self.schema = schema }

    /// The code of a value of `column` (a category index, a number, or NaN for missing).
    /// Values are assumed to have passed the reader's checks.
    public func code(column: Int, value: Double) -> Int {
        let spec = schema.columns[column]
        if value.isNaN { return spec.missingCode ?? 0 }
        switch spec.kind {
        case .categorical:
            return Int(value)
        case .integer(_, _, let edges), .real(_, _, let edges, _):
            return Self.bin(of: value, edges: edges)
        }
    }

    /// The bin of x: the largest i with e_i <= x, capped at the last bin.
    public static func bin(of x: Double, edges: [Double]) -> Int {
        var low = 0, high = edges.count - 1  // invariant: edges[low] <= x < edges[high] (or x at the end)
        if x >= edges[high] { return edges.count - 2 }
        if x < edges[0] { return 0 }
        while high - low > 1 {
            let middle = (low + high) / 2
            if edges[middle] <= x { low = middle } else { high = middle }
        }
        return low
    }

    /// The valid values of one bin of a numeric column: [a, b] for reals (the bin intersected
    /// with the bounds), the whole numbers a...b for integers; nil if it holds none.
    public static func binRange(_ kind: ColumnKind, bin: Int) -> ClosedRange<Double>? {
        guard let edges = kind.binEdges, let (lower, upper) = kind.bounds, bin >= 0, bin < edges.count - 1 else { return nil }
        let isLast = bin == edges.count - 2
        let low = max(lower, edges[bin])
        switch kind {
        case .integer:
            let first = low.rounded(.up)
            // Whole numbers below the next edge (or up to it in the last bin), within the bounds.
            var last = isLast ? edges[bin + 1].rounded(.down) : (edges[bin + 1].rounded(.up) - 1)
            last = min(last, upper.rounded(.down))
            return first <= last ? first...last : nil
        default:
            let high = min(upper, edges[bin + 1])
            return low < high ? low...high : nil
        }
    }

    /// How much room bin `bin` has: the number of whole numbers it holds for integer columns, its
    /// width within the bounds for reals; nil if it holds none.
    public static func binSize(_ kind: ColumnKind, bin: Int) -> Double? {
        guard let range = binRange(kind, bin: bin) else { return nil }
        if case .integer = kind { return range.upperBound - range.lowerBound + 1 }
        return range.upperBound - range.lowerBound
    }

    /// A value of `column` drawn from within the category or bin `code`: the category index,
    /// NaN for the missing code, a uniform number in the bin's valid range otherwise.
    /// `position` in [0, 1) places the value inside the bin (uniform when drawn uniformly).
    public func value(column: Int, code: Int, position: Double) -> Double {
        let spec = schema.columns[column]
        if let missingCode = spec.missingCode, code == missingCode { return .nan }
        switch spec.kind {
        case .categorical:
            return Double(code)
        case .integer:
            guard let range = Self.binRange(spec.kind, bin: code) else { return spec.kind.bounds!.lower }
            let count = range.upperBound - range.lowerBound + 1
            return min(range.upperBound, range.lowerBound + (position * count).rounded(.down))
        case .real(_, _, _, let decimals):
            guard let range = Self.binRange(spec.kind, bin: code) else { return spec.kind.bounds!.lower }
            // With `decimals`, one of the bin's values on that grid, so that the written text
            // (rounded to `decimals`) reads back into the same bin.
            if let decimals, let grid = Self.decimalGrid(spec.kind, bin: code), grid.count >= 1 {
                let k = grid.first + min(grid.count - 1, (position * grid.count).rounded(.down))
                return k / Self.powerOfTen(decimals)
            }
            let x = range.lowerBound + position * (range.upperBound - range.lowerBound)
            return min(max(x, range.lowerBound), range.upperBound)
        }
    }

    /// What to assume of a column's codes where none stands out of the noise: every value of
    /// the range equally likely (a numeric bin in proportion to its room, `binSize`), every
    /// category alike, the missing code as likely as an average bin. Sums to 1.
    public func flatDistribution(column: Int) -> [Double] {
        let spec = schema.columns[column]
        let bins = spec.kind.valueCodeCount
        var weights = (0..<bins).map { bin in spec.kind.isNumeric ? (Self.binSize(spec.kind, bin: bin) ?? 0) : 1 }
        let room = weights.reduce(0, +)
        if room > 0 { weights = weights.map { $0 * Double(bins) / room } }
        if spec.missingCode != nil { weights.append(1) }
        let total = weights.reduce(0, +)
        return weights.map { total > 0 ? $0 / total : 1 / Double(weights.count) }
    }

    /// The values of a real column's bin that `decimals` digits can write: k / 10^decimals for
    /// k = first, ..., first + count - 1 (count 0: none). A value equal to the next edge belongs
    /// to the next bin, except in the last bin or below the upper bound. Nil without `decimals`,
    /// or where the grid is finer than a double tells apart (k beyond 2^52: treated as continuous).
    public static func decimalGrid(_ kind: ColumnKind, bin: Int) -> (first: Double, count: Double)? {
        guard case .real(_, let upper, let edges, let decimals?) = kind, let range = binRange(kind, bin: bin) else { return nil }
        let scale = powerOfTen(decimals)
        guard max(abs(range.lowerBound), abs(range.upperBound)) * scale < 0x1p52 else { return nil }
        let isLast = bin == edges.count - 2
        let closed = isLast || upper < edges[bin + 1]
        // k / scale is the double nearest k * 10^-decimals (one correctly rounded division), the
        // value the written text reads back as.
        var first = (range.lowerBound * scale).rounded(.down)
        while first / scale < range.lowerBound { first += 1 }
        var last = (range.upperBound * scale).rounded(.up)
        while last / scale > range.upperBound || (!closed && last / scale >= range.upperBound) { last -= 1 }
        return (first, max(0, last - first + 1))
    }

    /// Where a numeric value sits within its bin, in [0, 1] (0.5 for categorical and missing
    /// values): the inverse of `value(column:code:position:)` for the copula's normal scores.
    public func position(column: Int, value: Double) -> Double {
        let spec = schema.columns[column]
        guard spec.kind.isNumeric, !value.isNaN else { return 0.5 }
        let bin = code(column: column, value: value)
        guard let range = Self.binRange(spec.kind, bin: bin), let size = Self.binSize(spec.kind, bin: bin) else { return 0.5 }
        if case .integer = spec.kind { return (value - range.lowerBound + 0.5) / size }
        return size > 0 ? min(1, max(0, (value - range.lowerBound) / size)) : 0.5
    }

    /// A coarser coding of `column` with at most `maxGroups` codes: adjacent bins of a numeric
    /// column are merged into groups of equal bin counts (the missing code stays on its own);
    /// categorical columns keep their codes. Returns the group of each fine code.
    public func coarseGroups(column: Int, maxGroups: Int) -> [Int] {
        let spec = schema.columns[column]
        let fine = spec.kind.valueCodeCount
        var groups: [Int]
        if spec.kind.isNumeric, fine > maxGroups, maxGroups >= 1 {
            groups = (0..<fine).map { $0 * maxGroups / fine }
        } else {
            groups = Array(0..<fine)
        }
        if spec.missing == .keep { groups.append((groups.last ?? -1) + 1) }
        return groups
    }

    /// Like `coarseGroups`, but guided by `mass` (one weight per code, e.g. noisy counts;
    /// negative weights count as zero): the two adjacent groups with the least mass together
    /// are merged, again and again, until `maxGroups` remain. Sparse runs of tail bins merge
    /// first, so they do not take groups from the bulk, while a tail bin that holds mass of its
    /// own keeps it apart from the bulk (which an equal-mass split would fold into the last
    /// group, losing where the extremes lie). Falls back to equal bin counts when the mass is
    /// all zero. A categorical column keeps its codes unless `mergingCategories`: then its
    /// categories merge the same way, neighbours in the schema's order (so ordered codes such as
    /// deciles stay contiguous).
    public func massGroups(column: Int, maxGroups: Int, mass: [Double], mergingCategories: Bool = false) -> [Int] {
        mergedGroups(column: column, maxGroups: maxGroups, mass: mass, mergingCategories: mergingCategories) { $0.weight + $1.weight }
    }

    /// Like `massGroups`, but merging the two adjacent groups whose union adds least to the
    /// column's within-group sum of squares (Ward's criterion on the bins' midpoints, weighted by
    /// `mass`): m_a m_b / (m_a + m_b) (mean_a - mean_b)^2. Bins
    /// close in value merge first whatever their mass, so a skewed column's bulk shares a few
    /// groups and its tail, where values lie far apart, keeps more of them: a value drawn within
    /// its group then stays near the real one, which is what a Pearson correlation measures.
    /// Empty bins weigh a token 1e-12, so that they join the nearest bins by value, before any
    /// bins with mass merge, instead of all merging into the leftmost group (a small table whose
    /// bins are mostly below the noise then had one group for most of its range).
    public func spreadGroups(column: Int, maxGroups: Int, mass: [Double]) -> [Int] {
        mergedGroups(column: column, maxGroups: maxGroups, mass: mass, emptyWeight: 1e-12) { a, b in
            let gap = a.moment / a.weight - b.moment / b.weight
            return a.weight * b.weight / (a.weight + b.weight) * gap * gap
        }
    }

    /// A run of adjacent bins while merging: its total weight, and the sum of weight times
    /// bin midpoint (moment / weight is the span's mean value).
    struct MergeSpan {
        var first: Int, last: Int, weight: Double, moment: Double
    }

    /// The groups of a column's bins (or categories) after merging, while more than `maxGroups`
    /// remain, the adjacent pair of spans with the least `cost` (the leftmost on ties); a kept
    /// missing code gets a group of its own; bins of no mass weigh `emptyWeight`. Equal bin
    /// counts for a column with few enough bins or no positive mass, and for a categorical
    /// column unless `mergingCategories` (its codes then stand at positions 0, 1, ...).
    func mergedGroups(column: Int, maxGroups: Int, mass: [Double], emptyWeight: Double = 0, mergingCategories: Bool = false,
                      cost: (MergeSpan, MergeSpan) -> Double) -> [Int] {
        let spec = schema.columns[column]
        let fine = spec.kind.valueCodeCount
        var weights = mass.prefix(fine).map { max($0, 0) }
        guard spec.kind.isNumeric || mergingCategories, fine > maxGroups, maxGroups >= 1, weights.count == fine, weights.reduce(0, +) > 0 else {
            return coarseGroups(column: column, maxGroups: maxGroups)
        }
        weights = weights.map { max($0, emptyWeight) }
        let positions = (0..<fine).map { bin in Self.binRange(spec.kind, bin: bin).map { ($0.lowerBound + $0.upperBound) / 2 } ?? Double(bin) }
        var groups = Self.mergeNeighbours(weights: weights, positions: positions, into: maxGroups, cost: cost)
        if spec.missing == .keep { groups.append((groups.last ?? -1) + 1) }
        return groups
    }

    /// The group of each item after merging, while more than `maxGroups` groups remain, the two
    /// adjacent spans of least `cost` (the leftmost such pair on ties).
    static func mergeNeighbours(weights: [Double], positions: [Double], into maxGroups: Int,
                                cost: (MergeSpan, MergeSpan) -> Double) -> [Int] {
        var spans = weights.indices.map { MergeSpan(first: $0, last: $0, weight: weights[$0], moment: weights[$0] * positions[$0]) }
        while spans.count > max(1, maxGroups) {
            var cheapest = 0, cheapestCost = cost(spans[0], spans[1])
            for index in 1..<(spans.count - 1) {
                let next = cost(spans[index], spans[index + 1])
                if next < cheapestCost { (cheapest, cheapestCost) = (index, next) }
            }
            let (left, right) = (spans[cheapest], spans[cheapest + 1])
            spans[cheapest] = MergeSpan(first: left.first, last: right.last, weight: left.weight + right.weight, moment: left.moment + right.moment)
            spans.remove(at: cheapest + 1)
        }
        var groups = [Int](repeating: 0, count: weights.count)
        for (group, span) in spans.enumerated() {
            for item in span.first...span.last { groups[item] = group }
        }
        return groups
    }

    static func powerOfTen(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<max(0, exponent) { result *= 10 }
        return result
    }
}
