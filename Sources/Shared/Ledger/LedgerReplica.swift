/// An agent's full copy of the ledger. It only ever grows by entries whose tree matches a head
/// the coordinator signed and that is consistent (RFC 9162) with every head seen before; any
/// contradiction throws `ApiaryError(.forkDetected, ...)`, which callers must not retry or
/// paper over: a coordinator that shows two histories has to be looked at by a human.
public struct LedgerReplica: Sendable {
    private var replay = LedgerReplay()
    /// The last coordinator-signed head accepted.
    public private(set) var lastHead: SignedTreeHead?
    private let pinnedGenesisLeafHash: [UInt8]

    /// An empty replica that will only accept a ledger whose entry 0 has this leaf hash (from
    /// the party's kit), so that even the first download cannot be swapped.
    public init(genesisLeafHash: [UInt8]) {
        self.pinnedGenesisLeafHash = genesisLeafHash
    }

    /// The replicated entries and signed heads.
    public var ledger: Ledger { replay.ledger }

    /// The consortium state after the replicated entries.
    public var state: LedgerState { replay.state }

    /// Which replicated entries are final.
    public var finality: LedgerFinality { replay.finality }

    /// The current size.
    public var size: Int { replay.ledger.size }

    /// The coordinator's ledger key once genesis is replicated.
    public var coordinatorKey: Ed25519PublicKey? {
        let roster = replay.state.roster
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
    /// encodings of entries `size ..< newHead.size`) applying every rule, requires the
    /// resulting root to be the signed one, and adds `signedHeads` (the heads stored with those
    /// entries, as `/v1/ledger/entries` serves them) after checking each. Every signature is
    /// verified before anything changes.
    public mutating func update(to newHead: SignedTreeHead, consistencyProof: [[UInt8]], newEntries: [[UInt8]],
                                signedHeads: [SignedTreeHead]) throws {
        try checkConsistency(of: newHead, proof: consistencyProof)
        guard size + newEntries.count == Int(newHead.head.size) else {
            throw ApiaryError(.protocolViolation,
                              "received \(newEntries.count) entries after \(size), but the head has \(newHead.head.size)")
        }
        var next = self
        do {
            // Heads are added right after the last entry they cover, so each rule that depends
            // on finality (a settlement) sees exactly the heads of size up to its own index.
            let headsBySize = Dictionary(grouping: signedHeads) { Int($0.head.size) }
            var checks = try next.addUnchecked(headsBySize.filter { $0.key <= size }.sorted { $0.key < $1.key }.flatMap(\.value))
            for encoding in newEntries {
                let index = next.size
                if index == 0 && MerkleTree.leafHash(encoding) != pinnedGenesisLeafHash {
                    throw ApiaryError(.forkDetected, "entry 0: the served genesis is not the one in this party's kit")
                }
                checks += try next.replay.applyEntry(try Ledger.decodeEntry(encoding, index: index), encoding: encoding)
                checks += try next.addUnchecked(headsBySize[index + 1] ?? [])
            }
            if let beyond = headsBySize.keys.first(where: { $0 > next.size || $0 < 1 }) {
                throw ApiaryError(.protocolViolation, "a signed head of size \(beyond) was served with entries up to \(next.size)")
            }
            guard try next.ledger.tree.root() == newHead.head.root else {
                throw ApiaryError(.forkDetected,
                                  "the served entries do not hash to the signed root of size \(newHead.head.size): the ledger forked")
            }
            if let key = next.coordinatorKey, !newHead.isValid(under: key) {
                throw ApiaryError(.verificationFailed, "the tree head of size \(newHead.head.size) has an invalid coordinator signature")
            }
            if let invalid = Self.firstInvalid(checks) { throw invalid.fault }
        } catch let fault as LedgerFault {
            throw fault.apiaryError
        }
        next.lastHead = newHead
        self = next
    }

    /// Adds signed heads over entries already replicated (co-signatures arrive after entries),
    /// after checking each; a signature this replica already holds is skipped.
    public mutating func addSignedHeads(_ signedHeads: [SignedTreeHead]) throws {
        var next = self
        do {
            let checks = try next.addUnchecked(signedHeads)
            if let invalid = Self.firstInvalid(checks) { throw invalid.fault }
        } catch let fault as LedgerFault {
            throw fault.apiaryError
        }
        self = next
    }

    /// Whether entry `index` is final.
    public func isFinal(_ index: Int) -> Bool { replay.finality.isFinal(index) }

    /// Compares an entry the coordinator serves for an index this replica already holds.
    public func checkServedEntry(index: Int, encoding: [UInt8]) throws {
        guard index >= 0, index < size else { return }
        guard ledger.encodings[index] == encoding else {
            throw ApiaryError(.forkDetected, "entry \(index): the coordinator now serves a different entry than it did before (rewritten history)")
        }
    }

    /// Applies signed heads structurally and returns their signature checks (still to be run).
    private mutating func addUnchecked(_ signedHeads: [SignedTreeHead]) throws -> [SignatureCheck] {
        var checks: [SignatureCheck] = []
        for signed in signedHeads {
            let size = Int(signed.head.size)
            if size >= 1, size <= self.size, replay.ledger.signedHeads[size - 1].contains(signed) { continue }
            checks.append(try replay.addSignedHead(signed))
        }
        return checks
    }

    /// The first invalid signature among `checks`, verified on all cores.
    static func firstInvalid(_ checks: [SignatureCheck]) -> SignatureCheck? {
        let batch = SignatureBatch()
        batch.submit(contentsOf: checks)
        return batch.finish()
    }
}

extension LedgerReplica {
    /// A copy of the replica's replay for `EndorsementPolicy` to extend hypothetically.
    var replayForPolicy: LedgerReplay { replay }
}
