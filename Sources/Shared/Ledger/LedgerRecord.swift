/// One record of the ledger file: its type and payload bytes.
public struct LedgerRecord: Sendable, Equatable {
    /// What the payload is.
    public var type: LedgerRecordType
    /// The payload: an entry encoding or a signed tree head encoding.
    public var payload: [UInt8]

    /// A record.
    public init(type: LedgerRecordType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// An entry record for `entry`.
    public static func entry(_ entry: LedgerEntry) -> LedgerRecord { LedgerRecord(type: .entry, payload: entry.encoded()) }

    /// A signed tree head record.
    public static func signedTreeHead(_ signed: SignedTreeHead) -> LedgerRecord {
        LedgerRecord(type: .signedTreeHead, payload: signed.encoded())
    }
}
