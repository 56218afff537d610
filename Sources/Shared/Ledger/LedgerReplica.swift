/// An agent's full copy of the ledger. It only ever grows by entries whose tree matches a head
/// the coordinator signed and that is consistent (RFC 9162) with every head seen before; any
/// contradiction throws `ApiaryError(.forkDetected, ...)`, which callers must not retry or
/// paper over: a coordinator that shows two histories has to be looked at by a human.
public struct LedgerReplica: Sendable {
    /// The replicated entries and endorsements.
    public private(set) var ledger = Ledger()
    /// The consortium state after the replicated entries.
    public private(set) var state = LedgerState()
    /// The last coordinator-signed head accepted.
    public private(set) var lastHead: SignedTreeHead?
    private var rosters: [EndorsementRoster] = []
    private let pinnedGenesisLeafHash: [UInt8]

    /// An empty replica that will only accept a ledger whose entry 0 has this leaf hash (from
    /// the party's kit), so that even the first download cannot be swapped.
    public init(genesisLeafHash: [UInt8]) {
        self.pinnedGenesisLeafHash = genesisLeafHash
    }

    /// The current size.
    public var size: Int { ledger.size }

    /// The coordinator's ledger key once genesis is replicated.
    public var coordinatorKey: Ed25519PublicKey? {
        let roster = state.roster
        return roster.keys[roster.coordinatorId]
    }

    /// Checks a newly served head against what this replica holds: a valid coordinator
    /// signature, no shrinking, and a consistency proof from the replica's own tree to it.
    public func checkConsistency(of newHead: SignedTreeHead, proof: [[UInt8]]) throws {
        if let key = coordinatorKey, !newHead.isValid(under: key) {
            throw ApiaryError(.verificationFailed, "the served tree head of size \(newHead.head.size) has an invalid coordinator signature")
        }
        let newSize = Int(newHead.head.size)
        guard newSize >= size else {
            throw ApiaryError(.forkDetected,
                              "the coordinator now serves a tree of \(newSize) entries but this replica holds \(size): history was rewritten")
        }
        guard MerkleTree.verifyConsistency(oldSize: size, newSize: newSize, oldRoot: try ledger.tree.root(),
                                           newRoot: newHead.head.root, proof: proof) else {
            throw ApiaryError(.forkDetected,
                              "the head of size \(newSize) is not consistent with this replica's \(size) entries: the ledger forked or an entry was rewritten")
        }
    }

    /// Extends the replica to `newHead`: checks consistency, then appends `newEntries` (the
    /// encodings of entries `size ..< newHead.size`) and `endorsements`, applying every rule
    /// and signature check, and requires the resulting root to be the signed one.
    public mutating func update(to newHead: SignedTreeHead, consistencyProof: [[UInt8]], newEntries: [[UInt8]],
                                endorsements: [Endorsement]) throws {
        try checkConsistency(of: newHead, proof: consistencyProof)
        guard size + newEntries.count == Int(newHead.head.size) else {
            throw ApiaryError(.protocolViolation,
                              "received \(newEntries.count) entries after \(size), but the head has \(newHead.head.size)")
        }
        var next = self
        do {
            var checks: [SignatureCheck] = []
            for encoding in newEntries {
                let index = next.ledger.size
                if index == 0 && MerkleTree.leafHash(encoding) != pinnedGenesisLeafHash {
                    throw ApiaryError(.forkDetected, "entry 0: the served genesis is not the one in this party's kit")
                }
                let entry = try LedgerEntry(decoding: encoding, index: index)
                let rootBefore = try next.ledger.tree.root()
                let rosterBefore = next.state.roster
                let leafHash = next.ledger.append(entry).leafHash
                checks += try next.state.apply(entry, index: index, leafHash: leafHash, rootBefore: rootBefore)
                next.rosters.append(index == 0 ? next.state.roster : rosterBefore)
            }
            guard try next.ledger.tree.root() == newHead.head.root else {
                throw ApiaryError(.forkDetected,
                                  "the served entries do not hash to the signed root of size \(newHead.head.size): the ledger forked")
            }
            if let key = next.coordinatorKey, !newHead.isValid(under: key) {
                throw ApiaryError(.verificationFailed, "the tree head of size \(newHead.head.size) has an invalid coordinator signature")
            }
            for endorsement in endorsements {
                checks.append(try LedgerVerifier.endorsementCheck(endorsement, ledger: next.ledger, rosters: next.rosters))
                try next.ledger.add(endorsement)
            }
            if let invalid = LedgerVerifier.firstInvalid(checks) { throw invalid.fault }
        } catch let fault as LedgerFault {
            throw fault.apiaryError
        }
        next.lastHead = newHead
        self = next
    }

    /// Adds endorsements of entries already replicated (co-signatures arrive after entries).
    public mutating func addEndorsements(_ endorsements: [Endorsement]) throws {
        var next = ledger
        do {
            for endorsement in endorsements {
                let check = try LedgerVerifier.endorsementCheck(endorsement, ledger: next, rosters: rosters)
                guard check.isValid else { throw check.fault }
                try next.add(endorsement)
            }
        } catch let fault as LedgerFault {
            throw fault.apiaryError
        }
        ledger = next
    }

    /// Compares an entry the coordinator serves for an index this replica already holds.
    public func checkServedEntry(index: Int, encoding: [UInt8]) throws {
        guard index >= 0, index < size else { return }
        guard ledger.encodings[index] == encoding else {
            throw ApiaryError(.forkDetected, "entry \(index): the coordinator now serves a different entry than it did before (rewritten history)")
        }
    }
}
