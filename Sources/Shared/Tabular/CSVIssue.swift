/// One problem found in a CSV file, located by file, line and column.
///
/// `line` is the 1-based physical line where the offending field (or record) starts; `column`
/// the 1-based field position in the row, with the header's name for it when known (header
/// names are public schema facts). The description never contains a cell's content.
public struct CSVIssue: Sendable, Equatable, CustomStringConvertible {
    /// The file's name as given to the reader.
    public let file: String
    /// 1-based line number.
    public let line: Int
    /// 1-based field position, if the problem belongs to one field.
    public let column: Int?
    /// The header's name for that field, if known.
    public let columnName: String?
    /// What is wrong.
    public let problem: CSVProblem

    /// An issue with the given location and problem.
    public init(file: String, line: Int, column: Int?, columnName: String? = nil, problem: CSVProblem) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
        self.problem = problem
    }

    /// "FILE:LINE:COLUMN (column 'NAME'): problem", e.g.
    /// `train.csv:12:3 (column 'Age'): number out of bounds [18, 70]`.
    public var description: String {
        var text = "\(file):\(line)"
        if let column { text += ":\(column)" }
        if let columnName { text += " (column '\(columnName)')" }
        return text + ": \(problem)"
    }

    /// The issue as the module's error type.
    public var error: ApiaryError { ApiaryError(.invalidData, description) }
}
