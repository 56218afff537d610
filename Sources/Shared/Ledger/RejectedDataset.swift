/// A candidate dataset the quality gate kept from publication, and where its verdict is in the
/// ledger.
public struct RejectedDataset: Sendable, Equatable {
    /// The index of the rejection entry.
    public var entryIndex: Int
    /// The entry.
    public var rejection: DatasetRejectionEntry
}
