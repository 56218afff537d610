/// What a record of the ledger file holds.
public enum LedgerRecordType: UInt8, Sendable {
    /// A ledger entry's canonical encoding; the n-th entry record is entry n.
    case entry = 1
    /// An `Endorsement` encoding; it may come any time after the entry it endorses.
    case endorsement = 2
}
