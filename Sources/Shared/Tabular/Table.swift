/// A table held in memory column by column, as the reader produced it from a CSV file.
///
/// `values[c][r]` is row r of column c: for a categorical column the category's index as a
/// Double, for a numeric column the number; a kept missing value is NaN. Columns follow the
/// schema's order. One row is one record (the privacy unit).
public struct Table: Sendable, Equatable {
    /// The schema the values conform to.
    public let schema: TableSchema
    /// Column-major values (see the type's documentation).
    public private(set) var values: [[Double]]

    /// An empty table.
    public init(schema: TableSchema) {
        self.schema = schema
        self.values = Array(repeating: [], count: schema.columns.count)
    }

    /// A table from column-major values that already conform to `schema`.
    /// - Throws: `ApiaryError(.invalidArgument)` if the column count or lengths disagree.
    public init(schema: TableSchema, columns values: [[Double]]) throws {
        guard values.count == schema.columns.count else {
            throw ApiaryError(.invalidArgument, "table has \(values.count) columns, the schema \(schema.columns.count)")
        }
        guard Set(values.map(\.count)).count <= 1 else { throw ApiaryError(.invalidArgument, "table columns have different lengths") }
        self.schema = schema
        self.values = values
    }

    /// Number of rows.
    public var rowCount: Int { values.first?.count ?? 0 }

    /// Appends one row (one value per column, in schema order).
    public mutating func append(row: [Double]) {
        precondition(row.count == values.count, "row width must match the schema")
        for (column, value) in row.enumerated() { values[column].append(value) }
    }

    /// Appends every row of another table with the same schema.
    public mutating func append(contentsOf other: Table) {
        precondition(other.schema == schema, "tables must share a schema")
        for column in values.indices { values[column].append(contentsOf: other.values[column]) }
    }

    /// The rows whose indices satisfy `include`, as a new table.
    public func filter(rows include: (Int) -> Bool) -> Table {
        let kept = (0..<rowCount).filter(include)
        var result = Table(schema: schema)
        result.values = values.map { column in kept.map { column[$0] } }
        return result
    }

    /// The discrete code of every cell, column-major (see `Discretiser`).
    public func codes() -> [[Int]] {
        let discretiser = Discretiser(schema: schema)
        return values.indices.map { column in values[column].map { discretiser.code(column: column, value: $0) } }
    }
}
