/// What an agent checks before co-signing a round commitment (design section 8). The Paillier
/// and threshold code lives elsewhere, so recomputing the aggregate and verifying the
/// decryption proofs are supplied as closures; this type owns the order and completeness of
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

    /// Checks the commitment proposed as the next entry after `replica`:
    /// 1. the agent's own update (`ownUpdateHash`) is listed under its id, when it contributed;
    /// 2. the aggregate hash equals the recomputed one; 3. the decryption proofs verify;
    /// 4. every ledger rule holds (privacy within policy, budgets, rewards by the formula,
    /// previous head), and the agent's own budget; 5. `newHead` is signed by the coordinator,
    /// is consistent with the last head the agent saw (`consistencyProof`) and is exactly the
    /// replica plus this entry. Returns the endorsement-ready leaf hash and index.
    public func check(_ commitment: RoundCommitmentEntry, ownUpdateHash: [UInt8]?, replica: LedgerReplica,
                      newHead: SignedTreeHead, consistencyProof: [[UInt8]]) throws -> (index: Int, leafHash: [UInt8]) {
        let index = replica.size
        func refuse(_ reason: String, _ code: ApiaryError.Code = .verificationFailed) -> ApiaryError {
            ApiaryError(code, "entry \(index): refusing to endorse round \(commitment.roundId): \(reason)")
        }
        if let ownUpdateHash {
            guard commitment.contributions.contains(where: { $0.partyId == partyId && $0.updateHash == ownUpdateHash }) else {
                throw refuse("this agent's update (\(ownUpdateHash.hexString.prefix(16))...) is not listed")
            }
        }
        guard try recomputeAggregateHash(commitment) == commitment.aggregateHash else {
            throw refuse("the aggregate hash differs from the product of the listed ciphertexts")
        }
        guard try verifyDecryptionProofs(commitment) else { throw refuse("a decryption proof does not verify") }

        var state = replica.state
        let entry = LedgerEntry.roundCommitment(commitment)
        let encoding = entry.encoded()
        let leafHash = MerkleTree.leafHash(encoding)
        let checks: [SignatureCheck]
        do {
            checks = try state.apply(entry, index: index, leafHash: leafHash, rootBefore: try replica.ledger.tree.root())
        } catch let fault as LedgerFault {
            throw refuse(fault.reason)
        }
        if let invalid = checks.first(where: { !$0.isValid }) { throw refuse("invalid \(invalid.what)") }
        if let limit = ownEpsilonLimitMicros, let own = commitment.contributions.first(where: { $0.partyId == partyId }),
           own.cumulativeEpsilonMicros > limit {
            throw refuse("this agent's cumulative epsilon would exceed its own budget", .budgetExceeded)
        }

        guard let coordinatorKey = replica.coordinatorKey, newHead.isValid(under: coordinatorKey) else {
            throw refuse("the new tree head is not signed by the coordinator")
        }
        let replicaRoot = try replica.ledger.tree.root()
        let lastSeen = replica.lastHead?.head ?? TreeHead(size: UInt64(replica.size), root: replicaRoot, timestampMillis: 0)
        guard MerkleTree.verifyConsistency(oldSize: Int(lastSeen.size), newSize: Int(newHead.head.size), oldRoot: lastSeen.root,
                                           newRoot: newHead.head.root, proof: consistencyProof) else {
            throw refuse("the new head is not consistent with the last head this agent saw", .forkDetected)
        }
        var extended = replica.ledger.tree
        extended.append(leafHash: leafHash)
        let extendedRoot = try extended.root()
        guard newHead.head.size == UInt64(index + 1), extendedRoot == newHead.head.root else {
            throw refuse("the new head is not this agent's replica plus the commitment", .forkDetected)
        }
        return (index, leafHash)
    }

    /// Runs `check` and, if everything passes, signs the endorsement with the agent's ledger key.
    public func endorse(_ commitment: RoundCommitmentEntry, ownUpdateHash: [UInt8]?, replica: LedgerReplica,
                        newHead: SignedTreeHead, consistencyProof: [[UInt8]], key: Ed25519PrivateKey) throws -> Endorsement {
        let (index, leafHash) = try check(commitment, ownUpdateHash: ownUpdateHash, replica: replica,
                                          newHead: newHead, consistencyProof: consistencyProof)
        return try Endorsement(signing: leafHash, entryIndex: UInt64(index), head: newHead.head, signerId: partyId, key: key)
    }
}
