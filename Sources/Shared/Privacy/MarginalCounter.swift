/// Builds marginal count vectors from rows of category indices with a per-record bound:
/// each record adds at most 1 to each cell of each marginal.
///
/// A marginal over columns (c1, ..., ck) is the table of counts of every combination of
/// their categories, flattened row-major (the last column varies fastest). A record falls
/// into exactly one cell of a marginal, so adding or removing it changes the count vector
/// by 1 in one cell: L1 = L2 sensitivity 1 per marginal. Rows are assumed to be one per
/// record; a record spanning several rows must be collapsed before counting.
public struct MarginalCounter: Sendable {
    /// Number of categories of each column of the (public) schema.
    public let cardinalities: [Int]
    /// The columns of this marginal, in order.
    public let columns: [Int]
    /// Number of cells: the product of the columns' cardinalities.
    public let cellCount: Int

    /// A counter for the marginal over `columns`.
    /// - Throws: `ApiaryError(.invalidArgument)` for an empty or repeated column list, a column
    ///   outside the schema, a cardinality below 1; `ApiaryError(.overflow)` if the cell count
    ///   does not fit in an Int.
    public init(cardinalities: [Int], columns: [Int]) throws {
        guard !columns.isEmpty else { throw ApiaryError(.invalidArgument, "marginal needs at least one column") }
        guard Set(columns).count == columns.count else {
            throw ApiaryError(.invalidArgument, "marginal columns must be distinct, got \(columns)")
        }
        var cells = 1
        for column in columns {
            guard cardinalities.indices.contains(column) else {
                throw ApiaryError(.invalidArgument, "marginal column \(column) is outside the schema's \(cardinalities.count) columns")
            }
            let cardinality = cardinalities[column]
            guard cardinality >= 1 else {
                throw ApiaryError(.invalidArgument, "column \(column) has cardinality \(cardinality); it must be at least 1")
            }
            let (product, overflow) = cells.multipliedReportingOverflow(by: cardinality)
            guard !overflow else { throw ApiaryError(.overflow, "marginal over \(columns) has too many cells") }
            cells = product
        }
        self.cardinalities = cardinalities
        self.columns = columns
        self.cellCount = cells
    }

    /// The cell of one row.
    /// - Throws: `ApiaryError(.outOfRange)` if the row is too short or a category index is
    ///   outside its column's range (the message names row and column, never the value's meaning).
    public func cell(of row: [Int], rowNumber: Int = 0) throws -> Int {
        var index = 0
        for column in columns {
            guard row.indices.contains(column) else {
                throw ApiaryError(.outOfRange, "row \(rowNumber) has \(row.count) columns; marginal needs column \(column)")
            }
            let category = row[column]
            guard category >= 0, category < cardinalities[column] else {
                throw ApiaryError(.outOfRange, "row \(rowNumber), column \(column): category index out of range 0..<\(cardinalities[column])")
            }
            index = index * cardinalities[column] + category
        }
        return index
    }

    /// The marginal's count vector: each row (one record) adds exactly 1 to its one cell.
    /// Validation happens before counting, so a bad row leaves no partial result.
    public func counts(_ rows: [[Int]]) throws -> [Int64] {
        var counts = [Int64](repeating: 0, count: cellCount)
        let cells = try rows.enumerated().map { try cell(of: $0.element, rowNumber: $0.offset) }
        for cell in cells { counts[cell] += 1 }
        return counts
    }

    /// L1 and L2 sensitivity of `marginalCount` such marginals released together: each record
    /// changes each marginal by 1 in one cell, so L1 = k and L2 = sqrt(k).
    public static func sensitivity(marginalCount: Int) -> (l1: Double, l2: Double) {
        let k = Double(max(0, marginalCount))
        return (k, k.squareRoot())
    }
}
