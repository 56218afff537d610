/// The type of a column and the public facts the consortium agreed on for it.
///
/// Numeric columns carry public bounds (values outside are bad input, never clipped silently)
/// and bin edges e0 < e1 < ... < ek: bin i is [e_i, e_{i+1}), the last bin also holds e_k.
/// The edges must cover the bounds (e0 <= lower, upper <= ek), so every valid value has a bin.
public enum ColumnKind: Sendable, Equatable {
    /// A column with a fixed, ordered list of categories (the CSV text of each).
    case categorical(categories: [String])
    /// Whole numbers in [lower, upper].
    case integer(lower: Double, upper: Double, binEdges: [Double])
    /// Real numbers in [lower, upper]; `decimals`, if set, is the precision written back to CSV.
    case real(lower: Double, upper: Double, binEdges: [Double], decimals: Int?)

    /// Whether values are numbers (integer or real).
    public var isNumeric: Bool {
        if case .categorical = self { return false }
        return true
    }

    /// The public bounds of a numeric column.
    public var bounds: (lower: Double, upper: Double)? {
        switch self {
        case .categorical: return nil
        case .integer(let lower, let upper, _), .real(let lower, let upper, _, _): return (lower, upper)
        }
    }

    /// The bin edges of a numeric column.
    public var binEdges: [Double]? {
        switch self {
        case .categorical: return nil
        case .integer(_, _, let edges), .real(_, _, let edges, _): return edges
        }
    }

    /// The categories of a categorical column.
    public var categories: [String]? {
        if case .categorical(let categories) = self { return categories }
        return nil
    }

    /// Number of categories or bins, not counting a missing-value code.
    public var valueCodeCount: Int {
        switch self {
        case .categorical(let categories): return categories.count
        case .integer(_, _, let edges), .real(_, _, let edges, _): return max(0, edges.count - 1)
        }
    }
}
