/// What a record of the ledger file holds.
public enum LedgerRecordType: UInt8, Sendable {
    /// A ledger entry's canonical encoding; the n-th entry record is entry n.
    case entry = 1
    /// A `SignedTreeHead` encoding (the coordinator's head or an institution's co-signature);
    /// it comes after the entry record at index `size - 1` of its head, any time later.
    case signedTreeHead = 2
}
