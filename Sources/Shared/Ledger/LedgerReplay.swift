/// Applies a ledger's records one at a time with every rule except signature validity, which
/// it hands back as `SignatureCheck`s so callers can verify them in parallel (`LedgerVerifier`)
/// or before accepting anything (`LedgerAppender`, `LedgerReplica`). Shared by the three so
/// that the coordinator, the agents and `verify` apply exactly the same rules.
struct LedgerReplay: Sendable {
    /// Signatures seen, by kind.
    struct SignatureCounts: Sendable {
        var coordinatorHeads = 0
        var cosignatures = 0
        var updates = 0
        var total: Int { coordinatorHeads + cosignatures + updates }
    }

    var ledger = Ledger()
    var state = LedgerState()
    var finality = LedgerFinality()
    var counts = SignatureCounts()
    /// The coordinator's largest signed head so far.
    var latestCoordinatorHead: SignedTreeHead?
    /// Whether the last entry applied changed the roster (genesis or a membership change), so
    /// the next entry starts a new finality epoch.
    private var rosterChanged = false
    /// The last root computed, because the coordinator's head and its co-signatures share a size.
    private var cachedRoot: (size: Int, root: [UInt8])?
    /// The last head message built, shared by the co-signatures of one head (no copy per check).
    private var cachedMessage: (head: TreeHead, message: [UInt8])?

    /// A settlement whose commitment's finality is checked after the last record
    /// (`deferSettlementFinality`).
    struct DeferredSettlement: Sendable {
        var settlementIndex: Int
        var commitmentIndex: Int
        var roundId: UInt64
    }

    /// Settlements waiting for `checkDeferredSettlements`.
    private(set) var deferredSettlements: [DeferredSettlement] = []

    /// Applies `entry` (whose canonical encoding is `encoding`) as the next entry and returns
    /// the update signatures it carries, unchecked. Throws the first rule broken as a
    /// `LedgerFault`, leaving everything unchanged.
    ///
    /// A settlement at entry k needs its commitment final by heads of size at most k. Callers
    /// that have added every such head before entry k (the appender, a replica, which add heads
    /// by size) check it here; a file reader, whose heads may come later in the file, passes
    /// `deferSettlementFinality` and calls `checkDeferredSettlements()` at the end.
    mutating func applyEntry(_ entry: LedgerEntry, encoding: [UInt8], deferSettlementFinality: Bool = false) throws -> [SignatureCheck] {
        let index = ledger.size
        var deferred: DeferredSettlement? = nil
        if case .rewardSettlement(let body) = entry, let round = state.rounds[body.roundId] {
            if deferSettlementFinality {
                deferred = DeferredSettlement(settlementIndex: index, commitmentIndex: round.entryIndex, roundId: body.roundId)
            } else if !finality.isFinal(round.entryIndex) {
                throw settlementNotFinal(index: index, commitmentIndex: round.entryIndex, roundId: body.roundId)
            }
        }
        // Only a round commitment names the previous root; computing it for every entry would
        // cost O(log n) hashes each for nothing.
        var rootBefore: [UInt8] = []
        if case .roundCommitment = entry { rootBefore = try root(size: index) }
        // The roster governing this entry is the one in force before it (taken before `apply`).
        let newEpochRoster = index > 0 && rosterChanged ? state.roster : nil
        let leafHash = MerkleTree.leafHash(encoding)
        let checks = try state.apply(entry, index: index, leafHash: leafHash, rootBefore: rootBefore)
        ledger.appendVerified(entry, encoding: encoding, leafHash: leafHash)
        if index == 0 {
            finality.appendEntry(startingEpoch: state.roster)
        } else if let newEpochRoster {
            finality.appendEntry(startingEpoch: newEpochRoster)
        } else {
            finality.appendEntry()
        }
        switch entry {
        case .genesis, .membershipChange: rosterChanged = index > 0  // genesis' roster already governs entry 0
        default: rosterChanged = false
        }
        counts.updates += checks.count
        if let deferred { deferredSettlements.append(deferred) }
        return checks
    }

    /// The first deferred settlement whose commitment was not final by heads of size at most
    /// the settlement's index.
    mutating func checkDeferredSettlements() -> LedgerFault? {
        finality.sortSignedSizes()
        for settlement in deferredSettlements
        where !finality.wasFinal(settlement.commitmentIndex, byHeadsOfSizeAtMost: settlement.settlementIndex) {
            return settlementNotFinal(index: settlement.settlementIndex, commitmentIndex: settlement.commitmentIndex, roundId: settlement.roundId)
        }
        return nil
    }

    private func settlementNotFinal(index: Int, commitmentIndex: Int, roundId: UInt64) -> LedgerFault {
        LedgerFault(entryIndex: index, code: .verificationFailed,
                    reason: "settles round \(roundId), whose commitment (entry \(commitmentIndex)) was not final yet: the coordinator and \(finality.roster(for: commitmentIndex)?.threshold ?? 0) institutions must sign heads covering it before the settlement is appended")
    }

    /// Checks a signed head record structurally (coverage, root, signer allowed, not a second
    /// signature of that size by the same signer) and returns its signature check, without
    /// recording it. The signature is reported at the last entry the head covers.
    mutating func checkSignedHead(_ signed: SignedTreeHead) throws -> SignatureCheck {
        try ledger.checkCoverage(signed)
        let size = Int(signed.head.size)
        guard try root(size: size) == signed.head.root else { throw ledger.rootMismatch(signed) }
        guard let key = finality.signingKey(of: signed.signerId, forHeadOfSize: size) else {
            throw LedgerFault(entryIndex: size - 1, code: .verificationFailed,
                              reason: "a tree head of size \(size) signed by '\(signed.signerId)', who may not sign it (not the coordinator or a member institution when entry \(size - 1) was appended)")
        }
        if ledger.signedHeads[size - 1].contains(where: { $0.signerId == signed.signerId }) {
            throw LedgerFault(entryIndex: size - 1, code: .verificationFailed,
                              reason: "a second signature by '\(signed.signerId)' on a tree head of size \(size)")
        }
        let message: [UInt8]
        if let cachedMessage, cachedMessage.head == signed.head {
            message = cachedMessage.message
        } else {
            message = SignedTreeHead.signedMessage(for: signed.head)
            cachedMessage = (signed.head, message)
        }
        return SignatureCheck(entryIndex: size - 1, kind: .treeHead(size: signed.head.size), signerId: signed.signerId, key: key,
                              message: message, signature: signed.signature)
    }

    /// `checkSignedHead` then `recordSignedHead`: for callers that verify the returned signature
    /// check later, all at once, before accepting anything (the verifier, a replica, the
    /// endorsement policy).
    mutating func addSignedHead(_ signed: SignedTreeHead) throws -> SignatureCheck {
        let check = try checkSignedHead(signed)
        try recordSignedHead(signed, key: check.key)
        return check
    }

    /// Records a head that passed `checkSignedHead` (and whose signature is, or will be, checked).
    mutating func recordSignedHead(_ signed: SignedTreeHead, key: Ed25519PublicKey) throws {
        try ledger.add(signed, checkingRoot: false)
        let size = Int(signed.head.size)
        finality.recordSignature(signerId: signed.signerId, key: key, size: size)
        if signed.signerId == finality.roster(for: size - 1)?.coordinatorId {
            counts.coordinatorHeads += 1
            if size > Int(latestCoordinatorHead?.head.size ?? 0) { latestCoordinatorHead = signed }
        } else {
            counts.cosignatures += 1
        }
    }

    /// The tree root over the first `size` entries.
    mutating func root(size: Int) throws -> [UInt8] {
        if let cachedRoot, cachedRoot.size == size { return cachedRoot.root }
        let root = try ledger.tree.root(size: size)
        cachedRoot = (size, root)
        return root
    }
}
