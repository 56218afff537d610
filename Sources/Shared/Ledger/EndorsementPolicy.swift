/// What an agent checks before co-signing a tree head (design section 8). An institution's
/// co-signature vouches for every entry below the head's size, so the policy checks every entry
/// the head adds to the agent's replica; for round commitments it adds the agent's own checks.
/// The Paillier and threshold code lives elsewhere, so recomputing the aggregate and verifying
/// the decryption proofs are supplied as closures; this type owns the order and completeness of
/// the checks, and refuses to sign unless all pass.
public struct EndorsementPolicy: Sendable {
    /// The agent's party id.
    public var partyId: String
    /// Recomputes the aggregate from the ciphertexts listed in the commitment (fetched by
    /// update hash) and returns its SHA-256.
    public var recomputeAggregateHash: @Sendable (RoundCommitmentEntry) throws -> [UInt8]
    /// Verifies the decryption shares' proofs; true when all listed shares verify.
    public var verifyDecryptionProofs: @Sendable (RoundCommitmentEntry) throws -> Bool
    /// The agent's own epsilon budget in millionths, when stricter than the consortium's cap.
    public var ownEpsilonLimitMicros: UInt64?

    /// A policy.
    public init(partyId: String, recomputeAggregateHash: @escaping @Sendable (RoundCommitmentEntry) throws -> [UInt8],
                verifyDecryptionProofs: @escaping @Sendable (RoundCommitmentEntry) throws -> Bool,
                ownEpsilonLimitMicros: UInt64? = nil) {
        self.partyId = partyId
        self.recomputeAggregateHash = recomputeAggregateHash
        self.verifyDecryptionProofs = verifyDecryptionProofs
        self.ownEpsilonLimitMicros = ownEpsilonLimitMicros
    }

    /// Checks the head `newHead` that extends `replica` by `newEntries` (in order), and returns
    /// the head to co-sign:
    /// 1. for each round commitment: the agent's own update (`ownUpdates[roundId]`, for the
    ///    rounds it contributed to) is listed under its id; the aggregate hash equals the
    ///    recomputed one; the decryption proofs verify; the agent's own budget holds;
    /// 2. every entry obeys every ledger rule (privacy within policy, budgets, rewards by the
    ///    formula, previous head, update signatures, settlements only of final commitments);
    /// 3. `newHead` is signed by the coordinator, is consistent with the last head the agent
    ///    saw (`consistencyProof`) and is exactly the replica plus `newEntries`.
    ///
    /// `newSignedHeads` are the heads served with the new entries (sizes above the replica's):
    /// each is added right after the last entry it covers, as `LedgerReplica.update` adds them,
    /// so a settlement whose commitment became final by a head inside the new range is judged
    /// by the same heads as on the coordinator (judged without them, an agent that had fallen a
    /// few heads behind refused such a head on every retry).
    public func check(newEntries: [LedgerEntry], ownUpdates: [UInt64: [UInt8]], replica: LedgerReplica,
                      newHead: SignedTreeHead, consistencyProof: [[UInt8]], newSignedHeads: [SignedTreeHead] = []) throws -> TreeHead {
        var replay = replica.replayForPolicy
        var checks: [SignatureCheck] = []
        let headsBySize = Dictionary(grouping: newSignedHeads) { Int($0.head.size) }
        for entry in newEntries {
            let index = replay.ledger.size
            if case .roundCommitment(let commitment) = entry {
                try checkOwn(commitment, ownUpdateHash: ownUpdates[commitment.roundId], index: index, headSize: newHead.head.size)
            }
            do {
                checks += try replay.applyEntry(entry, encoding: entry.encoded())
                for signed in headsBySize[index + 1] ?? [] { checks.append(try replay.addSignedHead(signed)) }
            } catch let fault as LedgerFault {
                throw refusal(index, newHead.head.size, fault.reason)
            }
        }
        if let invalid = LedgerReplica.firstInvalid(checks) {
            throw refusal(invalid.entryIndex, newHead.head.size, "invalid \(invalid.what)")
        }
        let lastIndex = replica.size + newEntries.count - 1
        guard let coordinatorKey = replica.coordinatorKey ?? replay.state.roster.keys[replay.state.roster.coordinatorId],
              newHead.isValid(under: coordinatorKey) else {
            throw refusal(lastIndex, newHead.head.size, "the new tree head is not signed by the coordinator")
        }
        let replicaRoot = try replica.ledger.tree.root()
        let lastSeen = replica.lastHead?.head ?? TreeHead(size: UInt64(replica.size), root: replicaRoot, timestampMillis: 0)
        guard MerkleTree.verifyConsistency(oldSize: Int(lastSeen.size), newSize: Int(newHead.head.size), oldRoot: lastSeen.root,
                                           newRoot: newHead.head.root, proof: consistencyProof) else {
            throw refusal(lastIndex, newHead.head.size, "the new head is not consistent with the last head this agent saw", .forkDetected)
        }
        guard newHead.head.size == UInt64(replay.ledger.size), try replay.ledger.tree.root() == newHead.head.root else {
            throw refusal(lastIndex, newHead.head.size, "the new head is not this agent's replica plus the new entries", .forkDetected)
        }
        return newHead.head
    }

    /// Runs `check` and, if everything passes, co-signs the head with the agent's ledger key.
    public func cosign(newEntries: [LedgerEntry], ownUpdates: [UInt64: [UInt8]], replica: LedgerReplica,
                       newHead: SignedTreeHead, consistencyProof: [[UInt8]], newSignedHeads: [SignedTreeHead] = [],
                       key: Ed25519PrivateKey) throws -> SignedTreeHead {
        let head = try check(newEntries: newEntries, ownUpdates: ownUpdates, replica: replica, newHead: newHead,
                             consistencyProof: consistencyProof, newSignedHeads: newSignedHeads)
        return try SignedTreeHead(signing: head, signerId: partyId, key: key)
    }

    /// `check` for the common case of one new entry, a round commitment.
    public func check(_ commitment: RoundCommitmentEntry, ownUpdateHash: [UInt8]?, replica: LedgerReplica,
                      newHead: SignedTreeHead, consistencyProof: [[UInt8]]) throws -> TreeHead {
        try check(newEntries: [.roundCommitment(commitment)], ownUpdates: ownUpdateHash.map { [commitment.roundId: $0] } ?? [:],
                  replica: replica, newHead: newHead, consistencyProof: consistencyProof)
    }

    /// `cosign` for the common case of one new entry, a round commitment.
    public func cosign(_ commitment: RoundCommitmentEntry, ownUpdateHash: [UInt8]?, replica: LedgerReplica,
                       newHead: SignedTreeHead, consistencyProof: [[UInt8]], key: Ed25519PrivateKey) throws -> SignedTreeHead {
        try cosign(newEntries: [.roundCommitment(commitment)], ownUpdates: ownUpdateHash.map { [commitment.roundId: $0] } ?? [:],
                   replica: replica, newHead: newHead, consistencyProof: consistencyProof, key: key)
    }

    /// The checks only this agent can make: its own update, the aggregate, the proofs, its budget.
    private func checkOwn(_ commitment: RoundCommitmentEntry, ownUpdateHash: [UInt8]?, index: Int, headSize: UInt64) throws {
        if let ownUpdateHash {
            guard commitment.contributions.contains(where: { $0.partyId == partyId && $0.updateHash == ownUpdateHash }) else {
                throw refusal(index, headSize, "round \(commitment.roundId): this agent's update (\(ownUpdateHash.hexString.prefix(16))...) is not listed")
            }
        }
        guard try recomputeAggregateHash(commitment) == commitment.aggregateHash else {
            throw refusal(index, headSize, "round \(commitment.roundId): the aggregate hash differs from the product of the listed ciphertexts")
        }
        guard try verifyDecryptionProofs(commitment) else {
            throw refusal(index, headSize, "round \(commitment.roundId): a decryption proof does not verify")
        }
        if let limit = ownEpsilonLimitMicros, let own = commitment.contributions.first(where: { $0.partyId == partyId }),
           own.cumulativeEpsilonMicros > limit {
            throw refusal(index, headSize, "round \(commitment.roundId): this agent's cumulative epsilon would exceed its own budget", .budgetExceeded)
        }
    }

    private func refusal(_ index: Int, _ headSize: UInt64, _ reason: String, _ code: ApiaryError.Code = .verificationFailed) -> ApiaryError {
        ApiaryError(code, "entry \(index): refusing to co-sign the tree head of size \(headSize): \(reason)")
    }
}
