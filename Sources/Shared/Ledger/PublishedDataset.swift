/// A dataset publication and where it is in the ledger.
public struct PublishedDataset: Sendable, Equatable {
    /// The index of the publication entry.
    public var entryIndex: Int
    /// The entry.
    public var publication: DatasetPublicationEntry
}
