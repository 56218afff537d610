/// What the CSV reader does with a row that does not conform to the schema.
public enum BadRowPolicy: String, Sendable, Codable, Equatable {
    /// The first bad row rejects the whole file with an error naming file, line, column and problem.
    case reject
    /// Bad rows are skipped and counted (with their locations in the read result). Problems that
    /// make the whole file unusable (empty file, missing column, unterminated quote) still reject it.
    case skip
}
