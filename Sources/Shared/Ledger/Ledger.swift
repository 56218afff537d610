/// The ledger in memory: entries with their encodings, the signed tree heads stored with them,
/// and the Merkle tree over the encodings. The coordinator appends to it (and to its
/// `LedgerStore`); agents hold one as their replica. Structural rules only (sizes, roots,
/// duplicates); consortium rules live in `LedgerState`, who may sign in `LedgerFinality`.
public struct Ledger: Sendable {
    /// The entries, in order.
    public private(set) var entries: [LedgerEntry] = []
    /// Each entry's canonical encoding (its Merkle leaf data).
    public private(set) var encodings: [[UInt8]] = []
    /// `signedHeads[i]`: the signatures on heads of size i + 1 (which vouch for entries 0...i),
    /// in the order they were added, at most one per signer.
    public private(set) var signedHeads: [[SignedTreeHead]] = []
    /// The Merkle tree over `encodings`.
    public private(set) var tree = MerkleTree()

    /// An empty ledger.
    public init() {}

    /// Rebuilds a ledger from the records of a ledger file, in order, checking structure only
    /// (no signatures, no consortium rules: `LedgerVerifier` does those). Throws a `LedgerFault`
    /// naming the entry for an undecodable record, a head before its entries, or a head whose
    /// root is not the tree's.
    public init(records: [LedgerRecord]) throws {
        for record in records {
            switch record.type {
            case .entry:
                appendDecoded(try Self.decodeEntry(record.payload, index: entries.count), encoding: record.payload)
            case .signedTreeHead:
                try add(try Self.decodeSignedHead(record.payload, entriesSoFar: entries.count))
            }
        }
    }

    /// Number of entries.
    public var size: Int { entries.count }

    /// Appends an entry and returns its index and leaf hash.
    @discardableResult
    public mutating func append(_ entry: LedgerEntry) -> (index: Int, leafHash: [UInt8]) {
        let encoding = entry.encoded()
        return appendDecoded(entry, encoding: encoding)
    }

    /// Stores a signed head after checking that it covers at least one entry and no more than
    /// there are, that its root is the tree's at its size, and that its signer has not signed
    /// a head of that size already. The signature itself and whether the signer may sign are
    /// checked by the callers (`LedgerVerifier`, `LedgerAppender`, `LedgerReplica`), which know
    /// the roster.
    public mutating func add(_ signed: SignedTreeHead) throws { try add(signed, checkingRoot: true) }

    /// `add`, optionally leaving the root comparison to the caller (`LedgerVerifier` caches
    /// roots shared by several signatures).
    mutating func add(_ signed: SignedTreeHead, checkingRoot: Bool) throws {
        try checkCoverage(signed)
        let last = Int(signed.head.size) - 1
        if checkingRoot, signed.head.root != (try tree.root(size: last + 1)) { throw rootMismatch(signed) }
        if signedHeads[last].contains(where: { $0.signerId == signed.signerId }) {
            throw LedgerFault(entryIndex: last, code: .verificationFailed,
                              reason: "a second signature by '\(signed.signerId)' on a tree head of size \(last + 1)")
        }
        signedHeads[last].append(signed)
    }

    /// Throws unless `signed` covers between 1 and `size` entries.
    func checkCoverage(_ signed: SignedTreeHead) throws {
        guard signed.head.size >= 1 else {
            throw LedgerFault(entryIndex: max(size - 1, 0), code: .verificationFailed,
                              reason: "'\(signed.signerId)' signed a tree head of size 0, which vouches for nothing")
        }
        guard signed.head.size <= UInt64(size) else {
            throw LedgerFault(entryIndex: size, code: .verificationFailed,
                              reason: "a tree head of size \(signed.head.size) signed by '\(signed.signerId)' comes before entry \(signed.head.size - 1)")
        }
    }

    /// The fault for a head whose root is not the tree's at its size. It is reported at the
    /// first entry no earlier stored head vouches for: any of the entries from there up to the
    /// head's last may be the changed one, and the failure must not be reported later than the
    /// earliest of them.
    func rootMismatch(_ signed: SignedTreeHead) -> LedgerFault {
        let size = Int(signed.head.size)
        var firstUnvouched = size - 1
        while firstUnvouched > 0 && signedHeads[firstUnvouched - 1].isEmpty { firstUnvouched -= 1 }
        let range = firstUnvouched == size - 1 ? "entry \(size - 1) does" : "entries \(firstUnvouched)...\(size - 1) do"
        return LedgerFault(entryIndex: firstUnvouched, code: .verificationFailed,
                           reason: "the tree head of size \(size) signed by '\(signed.signerId)' has a root that \(range) not hash to: entries were rewritten or reordered, or the head is false")
    }

    /// The tree head over the first `size` entries (all by default) at `timestampMillis`.
    public func head(size treeSize: Int? = nil, timestampMillis: UInt64) throws -> TreeHead {
        let treeSize = treeSize ?? size
        return TreeHead(size: UInt64(treeSize), root: try tree.root(size: treeSize), timestampMillis: timestampMillis)
    }

    /// The largest head the coordinator `coordinatorId` signed, if any.
    public func latestHead(signedBy coordinatorId: String) -> SignedTreeHead? {
        for heads in signedHeads.reversed() {
            if let head = heads.first(where: { $0.signerId == coordinatorId }) { return head }
        }
        return nil
    }

    /// Records that reproduce this ledger in a file: each entry followed by the heads of size
    /// index + 1 (the earliest place the file format allows them).
    public func records() -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        for index in entries.indices {
            records.append(LedgerRecord(type: .entry, payload: encodings[index]))
            records += signedHeads[index].map(LedgerRecord.signedTreeHead)
        }
        return records
    }

    /// Decodes entry record `index`, as a `LedgerFault` on failure.
    public static func decodeEntry(_ payload: [UInt8], index: Int) throws -> LedgerEntry {
        do { return try LedgerEntry(decoding: payload, index: index) } catch let error as ApiaryError {
            // The decoder's reason already starts with "entry N:"; keep just the cause.
            throw LedgerFault(entryIndex: index, code: error.code, reason: String(error.reason.dropFirst("entry \(index): ".count)))
        }
    }

    /// Decodes a signed head record that follows `entriesSoFar` entries, as a `LedgerFault` on failure.
    static func decodeSignedHead(_ payload: [UInt8], entriesSoFar: Int) throws -> SignedTreeHead {
        do { return try SignedTreeHead(decoding: payload) } catch let error as ApiaryError {
            throw LedgerFault(entryIndex: max(entriesSoFar - 1, 0), code: .invalidEncoding,
                              reason: "an undecodable signed tree head record: \(error.reason)")
        }
    }

    /// Appends an entry whose encoding and leaf hash the caller already computed.
    mutating func appendVerified(_ entry: LedgerEntry, encoding: [UInt8], leafHash: [UInt8]) {
        tree.append(leafHash: leafHash)
        entries.append(entry)
        encodings.append(encoding)
        signedHeads.append([])
    }

    @discardableResult
    private mutating func appendDecoded(_ entry: LedgerEntry, encoding: [UInt8]) -> (index: Int, leafHash: [UInt8]) {
        let leafHash = tree.append(data: encoding)
        entries.append(entry)
        encodings.append(encoding)
        signedHeads.append([])
        return (entries.count - 1, leafHash)
    }
}
