/// What a column does with a missing value (an empty cell or one of the schema's missing tokens).
public enum MissingValuePolicy: String, Sendable, Codable, Equatable {
    /// A missing value makes the row bad (rejected or skipped under the reader's `BadRowPolicy`).
    case reject
    /// A missing value is a value of its own: one extra category or bin, counted and sampled
    /// like the others, written back as an empty cell.
    case keep
}
