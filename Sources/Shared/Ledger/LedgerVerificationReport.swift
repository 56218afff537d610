/// What `LedgerVerifier` established about a ledger that passed every check.
public struct LedgerVerificationReport: Sendable {
    /// Number of entries.
    public var entryCount: Int
    /// Number of the coordinator's signed heads in the file.
    public var coordinatorHeadCount: Int
    /// Number of institutions' co-signatures (signed heads) in the file.
    public var cosignatureCount: Int
    /// Number of agents' update signatures listed in round commitments.
    public var updateSignatureCount: Int
    /// The tree head over all entries (with the timestamp of the coordinator's head of that
    /// size, or 0 when the coordinator has not signed one yet).
    public var head: TreeHead
    /// The largest head the coordinator signed, if any.
    public var latestCoordinatorHead: SignedTreeHead?
    /// Entries not yet final (no head covering them signed by the coordinator, or by fewer than
    /// t institutions). Legitimate while co-signatures are being collected; a publication
    /// among them is not yet a valid provenance record.
    public var pendingEntries: [Int]
    /// Final balances by party.
    public var balances: [String: UInt64]
    /// All credits minted.
    public var mintedCredits: UInt64
    /// All credits burned.
    public var burnedCredits: UInt64
    /// With a dataset file: its publication entry's index and dataset id.
    public var dataset: (entryIndex: Int, datasetId: String)?

    /// Signed heads in the file (the coordinator's and the co-signatures).
    public var signedHeadCount: Int { coordinatorHeadCount + cosignatureCount }
    /// Every signature verified.
    public var signatureCount: Int { signedHeadCount + updateSignatureCount }
}
