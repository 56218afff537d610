/// The ledger in memory: entries with their encodings, endorsements and the Merkle tree over
/// the encodings. The coordinator appends to it (and to its `LedgerStore`); agents hold one as
/// their replica. Structural rules only (indices, heads); consortium rules live in `LedgerState`.
public struct Ledger: Sendable {
    /// The entries, in order.
    public private(set) var entries: [LedgerEntry] = []
    /// Each entry's canonical encoding (its Merkle leaf data).
    public private(set) var encodings: [[UInt8]] = []
    /// Endorsements of each entry, in the order they were added.
    public private(set) var endorsements: [[Endorsement]] = []
    /// The Merkle tree over `encodings`.
    public private(set) var tree = MerkleTree()

    /// An empty ledger.
    public init() {}

    /// Rebuilds a ledger from the records of a ledger file, in order. Throws a `LedgerFault`
    /// naming the entry for an undecodable entry, an endorsement of an entry not yet in the
    /// file, or an endorsement whose head is not the tree head right after its entry.
    public init(records: [LedgerRecord]) throws {
        for record in records {
            switch record.type {
            case .entry:
                let index = entries.count
                let entry: LedgerEntry
                do { entry = try LedgerEntry(decoding: record.payload, index: index) } catch let error as ApiaryError {
                    // The decoder's reason already starts with "entry N:"; keep just the cause.
                    throw LedgerFault(entryIndex: index, code: error.code,
                                      reason: String(error.reason.dropFirst("entry \(index): ".count)))
                }
                appendDecoded(entry, encoding: record.payload)
            case .endorsement:
                let endorsement: Endorsement
                do { endorsement = try Endorsement(decoding: record.payload) } catch let error as ApiaryError {
                    throw LedgerFault(entryIndex: max(entries.count - 1, 0), code: .invalidEncoding,
                                      reason: "an undecodable endorsement record: \(error.reason)")
                }
                try add(endorsement)
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

    /// Adds an endorsement after checking that its entry exists and that its head is the tree
    /// head right after that entry (size index + 1, matching root). The signature itself is
    /// checked by `LedgerVerifier` against the roster, which this type does not know.
    public mutating func add(_ endorsement: Endorsement) throws { try add(endorsement, checkingRoot: true) }

    /// `add`, optionally leaving the root comparison to the caller (`LedgerVerifier` compares
    /// all roots at once, in parallel, which a whole-ledger replay needs to stay fast).
    mutating func add(_ endorsement: Endorsement, checkingRoot: Bool) throws {
        guard endorsement.entryIndex < UInt64(size) else {
            throw LedgerFault(entryIndex: size, code: .verificationFailed,
                              reason: "an endorsement of entry \(endorsement.entryIndex) comes before that entry")
        }
        let index = Int(endorsement.entryIndex)
        guard endorsement.head.size == UInt64(index + 1) else {
            throw LedgerFault(entryIndex: index, code: .verificationFailed,
                              reason: "the endorsement by '\(endorsement.signerId)' signs a head of size \(endorsement.head.size), not \(index + 1)")
        }
        let rootMatches = try !checkingRoot || endorsement.head.root == tree.root(size: index + 1)
        guard rootMatches else {
            throw LedgerFault(entryIndex: index, code: .verificationFailed,
                              reason: "the endorsement by '\(endorsement.signerId)' signs a root that is not the tree's (entries rewritten or reordered?)")
        }
        if endorsements[index].contains(where: { $0.signerId == endorsement.signerId }) {
            throw LedgerFault(entryIndex: index, code: .verificationFailed,
                              reason: "a second endorsement by '\(endorsement.signerId)'")
        }
        endorsements[index].append(endorsement)
    }

    /// The tree head over the first `size` entries (all by default) at `timestampMillis`.
    public func head(size treeSize: Int? = nil, timestampMillis: UInt64) throws -> TreeHead {
        let treeSize = treeSize ?? size
        return TreeHead(size: UInt64(treeSize), root: try tree.root(size: treeSize), timestampMillis: timestampMillis)
    }

    /// The records that reproduce this ledger in a file: each entry followed by its endorsements.
    public func records() -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        for index in entries.indices {
            records.append(LedgerRecord(type: .entry, payload: encodings[index]))
            records += endorsements[index].map(LedgerRecord.endorsement)
        }
        return records
    }

    @discardableResult
    private mutating func appendDecoded(_ entry: LedgerEntry, encoding: [UInt8]) -> (index: Int, leafHash: [UInt8]) {
        let leafHash = tree.append(data: encoding)
        entries.append(entry)
        encodings.append(encoding)
        endorsements.append([])
        return (entries.count - 1, leafHash)
    }
}
