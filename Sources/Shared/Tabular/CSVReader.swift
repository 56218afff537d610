import Foundation

/// Reads a CSV file against a `TableSchema`, streaming it in chunks.
///
/// The first record is the header; every schema column must appear in it (in any order;
/// extra columns are ignored). Each data row is checked before it is kept: field count,
/// missing values, categories, numbers (finite, whole for integer columns, within the public
/// bounds). What happens to a bad row is the `BadRowPolicy`. Errors name file, line, column and
/// problem and never contain a cell's content (the data is private), so they are safe to log.
public struct CSVReader: Sendable {
    /// Issues kept in a read result; later ones are only counted.
    public static let maxRecordedIssues = 100
    /// Bytes read per chunk.
    public static let chunkSize = 1 << 16

    /// The schema rows must conform to.
    public let schema: TableSchema
    /// What to do with bad rows.
    public let policy: BadRowPolicy

    /// A reader for `schema` (validated here) with the given policy.
    public init(schema: TableSchema, policy: BadRowPolicy = .reject) throws {
        try schema.validate()
        self.schema = schema
        self.policy = policy
    }

    /// Reads the file at `path`; `name` (default: the path) is used in messages.
    public func read(path: String, name: String? = nil) throws -> CSVReadResult {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ApiaryError(.invalidArgument, "CSV file \(path) is a folder, not a file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "it may not be read (permissions)" : "no such file"
            throw ApiaryError(.notFound, "cannot open CSV file \(path): \(reason)")
        }
        defer { try? handle.close() }
        var session = Session(reader: self, file: name ?? path)
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: Self.chunkSize) ?? Data()
            } catch {
                throw ApiaryError(.io, "reading \(path) failed: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            try session.feed(chunk)
        }
        return try session.finish()
    }

    /// Reads CSV from memory; `name` is used in messages.
    public func read(bytes: [UInt8], name: String) throws -> CSVReadResult {
        var session = Session(reader: self, file: name)
        try session.feed(bytes)
        return try session.finish()
    }

    /// A cell's value, or why it has none.
    private enum Parsed {
        case value(Double)
        case problem(CSVProblem)
    }

    /// The state of one file being read.
    private struct Session {
        let reader: CSVReader
        let file: String
        var decoder = CSVDecoder()
        var header: [String]?
        var positions: [Int] = []  // header position of each schema column
        var lookups: [[String: Int]?]
        var table: Table
        var rowsSeen = 0
        var skipped = 0
        var issues: [CSVIssue] = []

        init(reader: CSVReader, file: String) {
            self.reader = reader
            self.file = file
            self.table = Table(schema: reader.schema)
            self.lookups = reader.schema.columns.map { column in
                column.kind.categories.map { Dictionary(uniqueKeysWithValues: $0.enumerated().map { ($1, $0) }) }
            }
        }

        mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws where Bytes.Element == UInt8 {
            for record in decoder.feed(bytes) { try handle(record) }
        }

        mutating func finish() throws -> CSVReadResult {
            for record in decoder.finish() { try handle(record) }
            guard header != nil else { throw CSVIssue(file: file, line: 1, column: nil, problem: .emptyFile).error }
            // Every row skipped is a file that does not fit the schema, not a file with bad rows:
            // going on would contribute nothing but noise under this institution's name.
            if rowsSeen > 0, skipped == rowsSeen, let first = issues.first {
                throw ApiaryError(.invalidData, "\(file): all \(rowsSeen) rows were skipped as bad rows, the first at \(first.description); check that the file is the table the schema describes")
            }
            return CSVReadResult(table: table, rowsSeen: rowsSeen, skippedRows: skipped, issues: issues)
        }

        private mutating func handle(_ record: CSVRecord) throws {
            if let problem = record.problem {
                if header != nil { rowsSeen += 1 }
                try report(CSVIssue(file: file, line: problem.line, column: problem.column,
                                    columnName: name(ofField: problem.column - 1), problem: problem.problem),
                           fatal: header == nil || problem.problem.isFatalForFile)
                return
            }
            guard let header else {
                try readHeader(record)
                return
            }
            rowsSeen += 1
            guard record.fields.count == header.count else {
                let column = min(record.fields.count, header.count) + 1
                try report(CSVIssue(file: file, line: record.line, column: column,
                                    problem: .raggedRow(expected: header.count, found: record.fields.count)), fatal: false)
                return
            }
            var row = [Double](repeating: 0, count: reader.schema.columns.count)
            for (index, column) in reader.schema.columns.enumerated() {
                let position = positions[index]
                let text = record.fields[position]
                switch parse(text, column: column, lookup: lookups[index]) {
                case .value(let value):
                    row[index] = value
                case .problem(let problem):
                    try report(CSVIssue(file: file, line: record.fieldLines[position], column: position + 1,
                                        columnName: column.name, problem: problem), fatal: false)
                    return
                }
            }
            table.append(row: row)
        }

        private mutating func readHeader(_ record: CSVRecord) throws {
            if let problem = CSVProblem.separatorProblem(header: record.fields) {
                throw CSVIssue(file: file, line: record.line, column: nil, problem: problem).error
            }
            var seen: [String: Int] = [:]
            for (position, name) in record.fields.enumerated() {
                if seen[name] != nil, reader.schema.index(of: name) != nil {
                    throw CSVIssue(file: file, line: record.line, column: position + 1, problem: .duplicateHeader(name: name)).error
                }
                seen[name] = seen[name] ?? position
            }
            positions = try reader.schema.columns.map { column in
                guard let position = seen[column.name] else {
                    throw CSVIssue(file: file, line: record.line, column: nil, problem: .missingColumn(name: column.name, similar: CSVProblem.similarName(to: column.name, in: record.fields))).error
                }
                return position
            }
            header = record.fields
        }

        private func name(ofField index: Int) -> String? {
            guard let header, header.indices.contains(index) else { return nil }
            return header[index]
        }

        private mutating func report(_ issue: CSVIssue, fatal: Bool) throws {
            if fatal || reader.policy == .reject { throw issue.error }
            skipped += 1
            if issues.count < CSVReader.maxRecordedIssues { issues.append(issue) }
        }

        private func parse(_ text: String, column: ColumnSchema, lookup: [String: Int]?) -> Parsed {
            if reader.schema.missingTokens.contains(text) {
                return column.missing == .keep ? .value(.nan) : .problem(.missingValue)
            }
            switch column.kind {
            case .categorical:
                guard let index = lookup?[text] else { return .problem(.unknownCategory) }
                return .value(Double(index))
            case .integer(let lower, let upper, _), .real(let lower, let upper, _, _):
                guard let value = DecimalNumber.parse(text) else { return .problem(.unparsableNumber) }
                if case .integer = column.kind, value != value.rounded() { return .problem(.notAnInteger) }
                guard value >= lower, value <= upper else { return .problem(.outOfBounds(lower: lower, upper: upper)) }
                return .value(value)
            }
        }
    }
}
