/// What `LedgerVerifier` established about a ledger that passed every check.
public struct LedgerVerificationReport: Sendable {
    /// Number of entries.
    public var entryCount: Int
    /// Number of endorsements checked.
    public var endorsementCount: Int
    /// Number of signatures checked (endorsements and update signatures).
    public var signatureCount: Int
    /// The tree head over all entries (timestamp of the coordinator's last endorsement, or 0).
    public var head: TreeHead
    /// Entries not yet final (lacking the coordinator's or t institutions' endorsements).
    /// Legitimate while co-signatures are being collected; a publication among them is not
    /// yet a valid provenance record.
    public var pendingEntries: [Int]
    /// Final balances by party.
    public var balances: [String: UInt64]
    /// All credits minted.
    public var mintedCredits: UInt64
    /// All credits burned.
    public var burnedCredits: UInt64
    /// With a dataset file: its publication entry's index and dataset id.
    public var dataset: (entryIndex: Int, datasetId: String)?
}
