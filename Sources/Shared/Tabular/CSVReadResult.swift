/// What `CSVReader` produced from one file: the table and an account of what it skipped.
public struct CSVReadResult: Sendable {
    /// The valid rows.
    public var table: Table
    /// Number of data rows seen (valid and skipped; blank lines are not rows).
    public var rowsSeen: Int
    /// Number of rows skipped under `BadRowPolicy.skip`.
    public var skippedRows: Int
    /// The first `CSVReader.maxRecordedIssues` problems, located (no cell content).
    public var issues: [CSVIssue]
}
