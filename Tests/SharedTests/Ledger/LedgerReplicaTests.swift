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
                           endorsements: ledger.endorsements[from...].flatMap { $0 })
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
        let appender = try LedgerFixture.appender()
        try LedgerFixture.appendEndorsed(.genesis(LedgerFixture.genesis), to: appender)
        var replica = LedgerReplica(genesisLeafHash: LedgerEntry.genesis(LedgerFixture.genesis).leafHash)
        try Self.sync(&replica, with: appender)
        let seenHead = try #require(replica.lastHead)

        let commitment = try LedgerFixture.commitment(roundId: 1, contributors: LedgerFixture.institutions,
                                                      after: appender.ledger, state: appender.state)
        let ownHash = LedgerFixture.hash("update:1:hospital-a")
        let policy = EndorsementPolicy(partyId: "hospital-a",
                                       recomputeAggregateHash: { entry in LedgerFixture.hash("aggregate:\(entry.roundId)") },
                                       verifyDecryptionProofs: { _ in true })
        let coordinatorEndorsement = try appender.append(.roundCommitment(commitment))
        let newHead = try SignedTreeHead(signing: coordinatorEndorsement.head, signerId: LedgerFixture.coordinator,
                                         key: LedgerFixture.key(LedgerFixture.coordinator))
        let proof = try appender.ledger.tree.consistencyProof(from: Int(seenHead.head.size), to: Int(newHead.head.size))
        let endorsement = try policy.endorse(commitment, ownUpdateHash: ownHash, replica: replica, newHead: newHead,
                                             consistencyProof: proof, key: LedgerFixture.key("hospital-a"))
        try appender.addEndorsement(endorsement)
        #expect(!appender.isFinal(1))
        var policyB = policy
        policyB.partyId = "hospital-b"
        try appender.addEndorsement(policyB.endorse(commitment, ownUpdateHash: LedgerFixture.hash("update:1:hospital-b"), replica: replica,
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

