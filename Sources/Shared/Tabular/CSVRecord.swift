/// One record (row) split out of a CSV byte stream by `CSVDecoder`.
public struct CSVRecord: Sendable, Equatable {
    /// The fields, decoded as UTF-8 with quotes removed; empty if the record is bad.
    public var fields: [String]
    /// The 1-based line where the record starts.
    public var line: Int
    /// The 1-based line where each field starts (a quoted field may span lines).
    public var fieldLines: [Int]
    /// A structural problem (invalid UTF-8, misplaced quote, unterminated quote) with its
    /// line and field position; nil for a well-formed record.
    public var problem: (problem: CSVProblem, line: Int, column: Int)?

    /// A record with the given fields.
    public init(fields: [String], line: Int, fieldLines: [Int], problem: (problem: CSVProblem, line: Int, column: Int)? = nil) {
        self.fields = fields
        self.line = line
        self.fieldLines = fieldLines
        self.problem = problem
    }

    /// Records are equal when fields, lines and problem agree.
    public static func == (lhs: CSVRecord, rhs: CSVRecord) -> Bool {
        lhs.fields == rhs.fields && lhs.line == rhs.line && lhs.fieldLines == rhs.fieldLines
            && lhs.problem?.problem == rhs.problem?.problem && lhs.problem?.line == rhs.problem?.line
            && lhs.problem?.column == rhs.problem?.column
    }
}
