import Foundation
import Testing
@testable import Shared
import TestSupport

@Suite("Ledger replica, endorsement policy and API")
struct LedgerReplicaTests {
    static func sync(_ replica: inout LedgerReplica, with appender: LedgerAppender) throws {
        let ledger = appender.ledger
        let head = try appender.signedHead()
        let proof = try ledger.tree.consistencyProof(from: replica.size, to: ledger.size)
        let from = replica.size
        try replica.update(to: head, consistencyProof: proof, newEntries: Array(ledger.encodings[from...]),
                           signedHeads: ledger.signedHeads[from...].flatMap { $0 })
    }

    /// A ledger holding the endorsed genesis, and a replica synced to it.
    static func genesisAndReplica() throws -> (appender: LedgerAppender, replica: LedgerReplica) {
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        var replica = LedgerReplica(genesisLeafHash: LedgerEntry.genesis(LedgerFixture.genesis).leafHash)
        try sync(&replica, with: appender)
        return (appender, replica)
    }

    @Test("a replica follows the coordinator and detects a fork loudly")
    func forkDetected() throws {
        let genesisHash = LedgerEntry.genesis(LedgerFixture.genesis).leafHash
        let honest = try LedgerFixture.fullLedger()
        var replica = LedgerReplica(genesisLeafHash: genesisHash)
        try Self.sync(&replica, with: honest)
        #expect(replica.size == 7)

        // A coordinator that rewrote entry 6 (a cheaper licence) and signs the new history.
        let forked = try LedgerFixture.appender()
        for entry in honest.ledger.entries.prefix(6) { try LedgerFixture.appendEndorsed(entry, to: forked) }
        try LedgerFixture.appendEndorsed(.licenceGrant(LicenceGrantEntry(researcherId: LedgerFixture.researcher,
                                                                          datasetId: "synthetic-2025-01", creditsSpent: 151)), to: forked)
        let forkedHead = try forked.signedHead()
        #expect(forkedHead.head.size == 7)
        let error = try #require(throws: ApiaryError.self) {
            try replica.checkConsistency(of: forkedHead, proof: [])
        }
        #expect(error.code == .forkDetected)
        #expect(throws: ApiaryError.self) { try replica.checkServedEntry(index: 6, encoding: forked.ledger.encodings[6]) }

        // The forked coordinator grows its ledger; the consistency proof it serves cannot bridge.
        let next = try LedgerFixture.commitment(roundId: 3, contributors: ["hospital-a", "hospital-b"], after: forked.ledger, state: forked.state)
        try LedgerFixture.appendEndorsed(.roundCommitment(next), to: forked)
        let grownError = try #require(throws: ApiaryError.self) {
            try Self.sync(&replica, with: forked)
        }
        #expect(grownError.code == .forkDetected)
        #expect(replica.size == 7, "a rejected update changes nothing")

        // A shrunk history is a fork too.
        let shorter = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: shorter)
        let shorterHead = try shorter.signedHead()
        #expect((try? replica.checkConsistency(of: shorterHead, proof: [])) == nil)

        // A replica pinned to another genesis refuses the first download.
        var other = LedgerReplica(genesisLeafHash: LedgerFixture.hash("another consortium"))
        #expect(throws: ApiaryError.self) { try Self.sync(&other, with: honest) }
    }

    @Test("an agent endorses a correct commitment and refuses a dishonest one")
    func endorsementPolicy() throws {
        let (appender, replica) = try Self.genesisAndReplica()
        let seenHead = try #require(replica.lastHead)

        let commitment = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions,
                                                      after: appender.ledger, state: appender.state)
        let ownHash = LedgerFixture.hash("update:1:hospital-a")
        let policy = EndorsementPolicy(partyId: "hospital-a",
                                       recomputeAggregateHash: { entry in LedgerFixture.hash("aggregate:\(entry.roundId)") },
                                       verifyDecryptionProofs: { _ in true })
        let newHead = try appender.append(.roundCommitment(commitment))
        let proof = try appender.ledger.tree.consistencyProof(from: Int(seenHead.head.size), to: Int(newHead.head.size))
        let cosignature = try policy.cosign(commitment, ownUpdateHash: ownHash, replica: replica, newHead: newHead,
                                            consistencyProof: proof, key: LedgerFixture.key("hospital-a"))
        #expect(cosignature.head == newHead.head, "institutions co-sign exactly the coordinator's head")
        try appender.addCosignature(cosignature)
        #expect(!appender.isFinal(1))
        var policyB = policy
        policyB.partyId = "hospital-b"
        try appender.addCosignature(policyB.cosign(commitment, ownUpdateHash: LedgerFixture.hash("update:1:hospital-b"), replica: replica,
                                                   newHead: newHead, consistencyProof: proof, key: LedgerFixture.key("hospital-b")))
        #expect(appender.isFinal(1))

        func refusal(_ body: () throws -> Void) -> ApiaryError? {
            do { try body(); return nil } catch let error as ApiaryError { return error } catch { return nil }
        }
        var dropped = commitment
        dropped.contributions.removeAll { $0.partyId == "hospital-a" }
        #expect(refusal { _ = try policy.check(dropped, ownUpdateHash: ownHash, replica: replica, newHead: newHead, consistencyProof: proof) }?
                    .reason.contains("not listed") == true)
        let wrongAggregate = EndorsementPolicy(partyId: "hospital-a", recomputeAggregateHash: { _ in [UInt8](repeating: 0, count: 32) },
                                               verifyDecryptionProofs: { _ in true })
        #expect(refusal { _ = try wrongAggregate.check(commitment, ownUpdateHash: ownHash, replica: replica, newHead: newHead, consistencyProof: proof) }?
                    .reason.contains("aggregate") == true)
        let badProofs = EndorsementPolicy(partyId: "hospital-a", recomputeAggregateHash: policy.recomputeAggregateHash,
                                          verifyDecryptionProofs: { _ in false })
        #expect(refusal { _ = try badProofs.check(commitment, ownUpdateHash: ownHash, replica: replica, newHead: newHead, consistencyProof: proof) } != nil)
        let strict = EndorsementPolicy(partyId: "hospital-a", recomputeAggregateHash: policy.recomputeAggregateHash,
                                       verifyDecryptionProofs: { _ in true }, ownEpsilonLimitMicros: 500_000)
        #expect(refusal { _ = try strict.check(commitment, ownUpdateHash: ownHash, replica: replica, newHead: newHead, consistencyProof: proof) }?
                    .code == .budgetExceeded)
        var overspent = commitment
        overspent.roundEpsilonMicros = 5_000_000
        #expect(refusal { _ = try policy.check(overspent, ownUpdateHash: ownHash, replica: replica, newHead: newHead, consistencyProof: proof) }?
                    .reason.contains("per-round limit") == true)
        var otherHead = newHead.head
        otherHead.root[0] ^= 1
        let lyingHead = try SignedTreeHead(signing: otherHead, signerId: LedgerFixture.coordinator, key: LedgerFixture.key(LedgerFixture.coordinator))
        #expect(refusal { _ = try policy.check(commitment, ownUpdateHash: ownHash, replica: replica, newHead: lyingHead, consistencyProof: proof) }?
                    .code == .forkDetected)
    }

    @Test("an agent co-signs a head covering a deferred settlement and the next commitment, checking both")
    func cosignBatch() throws {
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        let first = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions, after: appender.ledger, state: appender.state)
        try LedgerFixture.appendEndorsed(.roundCommitment(first), to: appender)
        var replica = LedgerReplica(genesisLeafHash: LedgerEntry.genesis(LedgerFixture.genesis).leafHash)
        try Self.sync(&replica, with: appender)
        #expect(replica.isFinal(1) && replica.lastHead?.head.size == 2)

        let settlement = LedgerEntry.rewardSettlement(RewardSettlementEntry(roundId: 1, credits: first.rewards,
                                                                            totalCredits: first.rewards.reduce(0) { $0 + $1.credits }))
        try appender.appendDeferringHead(settlement)
        let second = try LedgerFixture.commitment(roundId: 2, contributors: ["hospital-b", "hospital-c"], after: appender.ledger, state: appender.state)
        let head = try appender.append(.roundCommitment(second))
        #expect(head.head.size == 4)
        let proof = try appender.ledger.tree.consistencyProof(from: 2, to: 4)
        let policy = EndorsementPolicy(partyId: "hospital-c", recomputeAggregateHash: { LedgerFixture.hash("aggregate:\($0.roundId)") },
                                       verifyDecryptionProofs: { _ in true })
        let own: [UInt64: [UInt8]] = [2: LedgerFixture.hash("update:2:hospital-c")]
        try appender.addCosignature(policy.cosign(newEntries: [settlement, .roundCommitment(second)], ownUpdates: own, replica: replica,
                                                  newHead: head, consistencyProof: proof, key: LedgerFixture.key("hospital-c")))
        // A settlement that pays more than the commitment, or a head that leaves an entry out,
        // is refused with the index of the entry at fault.
        var inflated = first.rewards
        inflated[0].credits += 1
        let badSettlement = LedgerEntry.rewardSettlement(RewardSettlementEntry(roundId: 1, credits: inflated,
                                                                               totalCredits: inflated.reduce(0) { $0 + $1.credits }))
        let refused = try #require(throws: ApiaryError.self) {
            _ = try policy.check(newEntries: [badSettlement, .roundCommitment(second)], ownUpdates: own, replica: replica,
                                 newHead: head, consistencyProof: proof)
        }
        #expect(refused.reason.hasPrefix("entry 2: refusing to co-sign the tree head of size 4"), "\(refused)")
        let partial = try #require(throws: ApiaryError.self) {
            _ = try policy.check(newEntries: [settlement], ownUpdates: own, replica: replica, newHead: head, consistencyProof: proof)
        }
        #expect(partial.code == .forkDetected)
        // The replica follows and sees the co-signature; one institution is not enough for t = 2.
        try Self.sync(&replica, with: appender)
        #expect(!replica.isFinal(2) && !replica.isFinal(3) && replica.finality.pendingEntries == [2, 3])
        try replica.addSignedHeads([try LedgerFixture.cosignature(of: head, by: "hospital-b")])
        #expect(replica.isFinal(2) && replica.isFinal(3))
        // Already-held signatures are skipped; a forged one is refused and changes nothing.
        try replica.addSignedHeads(appender.ledger.signedHeads[3])
        var forged = try LedgerFixture.cosignature(of: head, by: "hospital-a")
        forged.signature[0] ^= 1
        #expect(throws: ApiaryError.self) { try replica.addSignedHeads([forged]) }
        #expect(replica.ledger.signedHeads[3].count == 3)
    }

    @Test("an agent behind by a commitment and its settlement co-signs: the served heads inside the new range make the commitment final")
    func cosignWithServedHeads() throws {
        var (appender, replica) = try Self.genesisAndReplica()
        // hospital-c falls behind: round 1 is committed and co-signed by the other two, then settled.
        let first = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions, after: appender.ledger, state: appender.state)
        try LedgerFixture.appendEndorsed(.roundCommitment(first), to: appender)
        let settlement = LedgerEntry.rewardSettlement(RewardSettlementEntry(roundId: 1, credits: first.rewards,
                                                                            totalCredits: first.rewards.reduce(0) { $0 + $1.credits }))
        let head = try appender.append(settlement)
        #expect(replica.size == 1 && head.head.size == 3)
        let proof = try appender.ledger.tree.consistencyProof(from: 1, to: 3)
        let served = appender.ledger.signedHeads[1...].flatMap { $0 }
        let policy = EndorsementPolicy(partyId: "hospital-c", recomputeAggregateHash: { LedgerFixture.hash("aggregate:\($0.roundId)") },
                                       verifyDecryptionProofs: { _ in true })
        let own: [UInt64: [UInt8]] = [1: LedgerFixture.hash("update:1:hospital-c")]
        let entries: [LedgerEntry] = [.roundCommitment(first), settlement]
        // Judged with the replica's heads alone, the settlement's commitment is not final.
        let alone = try #require(throws: ApiaryError.self) {
            _ = try policy.check(newEntries: entries, ownUpdates: own, replica: replica, newHead: head, consistencyProof: proof)
        }
        #expect(alone.reason.contains("entry 2: refusing") && alone.reason.contains("was not final yet"), "\(alone)")
        // A served head with a bad signature is refused, naming it.
        var forged = served
        forged[0].signature[0] ^= 1
        let bad = try #require(throws: ApiaryError.self) {
            _ = try policy.check(newEntries: entries, ownUpdates: own, replica: replica, newHead: head, consistencyProof: proof, newSignedHeads: forged)
        }
        #expect(bad.reason.contains("invalid"), "\(bad)")
        // With the heads served beside the entries, as the replica will add them, it co-signs.
        let cosignature = try policy.cosign(newEntries: entries, ownUpdates: own, replica: replica, newHead: head,
                                            consistencyProof: proof, newSignedHeads: served, key: LedgerFixture.key("hospital-c"))
        try appender.addCosignature(cosignature)
        try replica.update(to: head, consistencyProof: proof, newEntries: Array(appender.ledger.encodings[1...]), signedHeads: served)
        #expect(replica.isFinal(1))
    }

    @Test("API bodies: head, entries, proofs; bad parameters are invalidArgument")
    func apiBodies() throws {
        let appender = try LedgerFixture.fullLedger()
        let ledger = appender.ledger
        func json(_ bytes: [UInt8]) throws -> [String: Any] {
            try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        }
        let head = try json(LedgerAPI.head(appender.signedHead()))
        let root = try ledger.tree.root().hexString
        #expect(head["tree_size"] as? Int == 7 && head["root"] as? String == root)
        let page = try json(LedgerAPI.entries(ledger, query: ["from": "5", "limit": "1"]))
        #expect(page["next"] as? Int == 6 && page["count"] as? Int == 1)
        let entries = try #require(page["entries"] as? [[String: Any]])
        #expect(entries.first?["kind"] as? String == "dataset_publication")
        #expect(entries.first?["encoding"] as? String == ledger.encodings[5].hexString)
        let signedHeads = try #require(entries.first?["signed_heads"] as? [[String: Any]])
        #expect(signedHeads.map { $0["signer"] as? String } == [LedgerFixture.coordinator, "hospital-a", "hospital-b"])
        #expect(signedHeads.allSatisfy { $0["tree_size"] as? Int == 6 && $0["root"] as? String == (try? ledger.tree.root(size: 6).hexString) })
        let last = try json(LedgerAPI.entries(ledger, query: ["from": "6"]))
        #expect(last["next"] is NSNull)
        let inclusion = try json(LedgerAPI.inclusionProof(ledger, query: ["index": "5"]))
        let path = try #require(inclusion["path"] as? [String]).map { [UInt8](hexString: $0)! }
        #expect(try MerkleTree.verifyInclusion(leafHash: ledger.tree.leafHash(at: 5), index: 5, size: 7, proof: path, root: ledger.tree.root()))
        let consistency = try json(LedgerAPI.consistencyProof(ledger, query: ["from": "3", "to": "7"]))
        let proof = try #require(consistency["proof"] as? [String]).map { [UInt8](hexString: $0)! }
        #expect(try MerkleTree.verifyConsistency(oldSize: 3, newSize: 7, oldRoot: ledger.tree.root(size: 3), newRoot: ledger.tree.root(), proof: proof))
        for (handler, query) in [(LedgerAPI.entries, ["from": "8"]), (LedgerAPI.entries, ["from": "-1"]), (LedgerAPI.entries, [:]),
                                 (LedgerAPI.entries, ["from": "0", "limit": "0"]), (LedgerAPI.inclusionProof, ["index": "7"]),
                                 (LedgerAPI.inclusionProof, ["index": "x"]), (LedgerAPI.inclusionProof, ["index": "01"]),
                                 (LedgerAPI.consistencyProof, ["from": "5", "to": "4"]), (LedgerAPI.consistencyProof, ["from": "1", "to": "9"]),
                                 (LedgerAPI.consistencyProof, ["from": "1", "to": "2", "extra": "1"])] as [((Ledger, [String: String]) throws -> [UInt8], [String: String])] {
            let error = try #require(throws: ApiaryError.self) { try handler(ledger, query) }
            #expect(error.code == .invalidArgument, "\(query)")
        }
    }
}

