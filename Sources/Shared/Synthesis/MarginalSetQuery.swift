/// A set of marginal count tables an agent computes over its discretised rows.
///
/// Each marginal lists columns; its count vector has one cell per combination of their codes
/// (row-major, last column fastest). With `maxGroups` set, numeric column c uses a coarser
/// coding of at most maxGroups[c] groups (adjacent bins merged, `Discretiser.coarseGroups`);
/// with `codeGroups` set, every column uses the coding it lists (chosen by the coordinator from
/// earlier noisy releases). One record adds exactly 1 to one cell of each marginal whatever
/// the coding, so k marginals have L1 = k and L2 = sqrt(k).
public struct MarginalSetQuery: Sendable, Codable, Equatable {
    /// The column indices of each marginal.
    public let marginals: [[Int]]
    /// Per column, the most groups of a numeric column's coarse coding, or nil for the schema's bins.
    public let maxGroups: [Int]?
    /// Per column, the group of each of its codes (overrides `maxGroups`).
    public let codeGroups: [[Int]]?

    /// A query for `marginals` at the given resolution.
    public init(marginals: [[Int]], maxGroups: [Int]? = nil, codeGroups: [[Int]]? = nil) {
        self.marginals = marginals
        self.maxGroups = maxGroups
        self.codeGroups = codeGroups
    }

    /// Code mapping of every column: `groups[c][fineCode]` is the code used here.
    public func groups(schema: TableSchema) -> [[Int]] {
        if let codeGroups { return codeGroups }
        let discretiser = Discretiser(schema: schema)
        return schema.columns.indices.map { column in
            if let maxGroups, maxGroups.indices.contains(column) { return discretiser.coarseGroups(column: column, maxGroups: maxGroups[column]) }
            return Array(0..<schema.columns[column].codeCount)
        }
    }

    /// Number of codes of every column at this resolution.
    public func cardinalities(schema: TableSchema) -> [Int] {
        groups(schema: schema).map { ($0.max() ?? -1) + 1 }
    }

    /// Number of cells of each marginal.
    public func cellCounts(schema: TableSchema) -> [Int] {
        let cardinalities = cardinalities(schema: schema)
        return marginals.map { $0.reduce(1) { $0 * cardinalities[$1] } }
    }

    /// Length of the count vector (all marginals concatenated).
    public func outputCount(schema: TableSchema) -> Int { cellCounts(schema: schema).reduce(0, +) }

    /// (L1, L2) sensitivity under adding or removing one record.
    public var sensitivity: (l1: Double, l2: Double) { MarginalCounter.sensitivity(marginalCount: marginals.count) }

    /// Checks the columns against the schema and the cell count against a sane limit.
    public func validate(schema: TableSchema, maxCells: Int = 50_000_000) throws {
        if let maxGroups, maxGroups.count != schema.columns.count || maxGroups.contains(where: { $0 < 1 }) {
            throw ApiaryError(.invalidArgument, "marginal query needs one positive group count per column")
        }
        if let codeGroups {
            // Any coding is safe for privacy (a record still adds 1 to one cell); it only has to
            // cover every code and number its groups 0..<g without gaps.
            guard codeGroups.count == schema.columns.count,
                  zip(codeGroups, schema.columns).allSatisfy({ groups, column in
                      groups.count == column.codeCount && groups.allSatisfy { $0 >= 0 }
                          && Set(groups).count == (groups.max() ?? -1) + 1
                  }) else {
                throw ApiaryError(.invalidArgument, "marginal query's code groups do not match the schema's columns")
            }
        }
        for marginal in marginals {
            _ = try MarginalCounter(cardinalities: cardinalities(schema: schema), columns: marginal)
        }
        guard outputCount(schema: schema) <= maxCells else {
            // Name the widest columns: a column of hundreds of categories is the usual cause.
            let widths = cardinalities(schema: schema)
            let widest = zip(schema.columns, widths).sorted { $0.1 > $1.1 }.prefix(3).map { "'\($0.0.name)' (\($0.1))" }
            throw ApiaryError(.outOfRange, "the marginals have \(outputCount(schema: schema)) cells, above the limit \(maxCells); the columns with the most categories or bins: \(widest.joined(separator: ", ")): merge categories or bins of those, or leave a column out")
        }
    }

    /// The concatenated counts of `table`'s rows (column-major codes from `Table.codes()`).
    public func evaluate(codes: [[Int]], schema: TableSchema) throws -> [Int64] {
        try validate(schema: schema)
        let groups = groups(schema: schema)
        let cardinalities = cardinalities(schema: schema)
        let rows = codes.first?.count ?? 0
        var output: [Int64] = []
        output.reserveCapacity(outputCount(schema: schema))
        for marginal in marginals {
            let cells = marginal.reduce(1) { $0 * cardinalities[$1] }
            var counts = [Int64](repeating: 0, count: cells)
            for row in 0..<rows {
                var cell = 0
                for column in marginal { cell = cell * cardinalities[column] + groups[column][codes[column][row]] }
                counts[cell] += 1
            }
            output.append(contentsOf: counts)
        }
        return output
    }

    /// Splits a concatenated vector back into one array per marginal.
    public func split<T>(_ vector: [T], schema: TableSchema) -> [[T]] {
        var start = 0
        return cellCounts(schema: schema).map { count in
            defer { start += count }
            return Array(vector[start..<(start + count)])
        }
    }
}
