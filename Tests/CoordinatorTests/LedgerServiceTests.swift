import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("Coordinator ledger service: when institutions are asked to co-sign")
struct LedgerServiceTests {
    static func key(_ name: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("ledger-service-test:\(name)".utf8)))
    }

    /// A genesis description as the key ceremony writes it (JSON, docs/threshold.md).
    static func genesis() throws -> GenesisDescription {
        func member(_ name: String, _ role: String, _ partyId: Int?) throws -> [String: Any] {
            var fields: [String: Any] = ["name": name, "role": role, "ledgerPublicKey": try key(name).publicKey.rawRepresentation.hexString,
                                         "certificateSHA256": SHA256.hash(Array(name.utf8)).hexString]
            if let partyId { fields["partyId"] = partyId }
            return fields
        }
        let object: [String: Any] = [
            "format": GenesisDescription.formatName, "version": 1, "consortium": "test", "createdAt": "2026-11-25T00:00:00Z",
            "caCertificateSHA256": SHA256.hash(Array("ca".utf8)).hexString,
            "members": [try member("coordinator", "coordinator", nil), try member("bank-a", "agent", 1), try member("bank-b", "agent", 2),
                        try member("reader", "researcher", nil)],
            "threshold": 2, "committee": [["name": "bank-a", "partyId": 1], ["name": "bank-b", "partyId": 2]],
            "paillier": ["modulusBits": 2048, "publicKeySHA256": SHA256.hash(Array("pk".utf8)).hexString],
            "verificationKeysSHA256": SHA256.hash(Array("vk".utf8)).hexString,
            "privacyPolicy": ["epsilonPerInstitution": 1.0, "deltaPerInstitution": 1e-6],
        ]
        return try JSONDecoder().decode(GenesisDescription.self, from: try JSONSerialization.data(withJSONObject: object))
    }

    /// A valid commitment of round 1 by both institutions, as the service's `commit` writes it.
    static func commitment(after ledger: Ledger) throws -> RoundCommitmentEntry {
        let contributions = try ["bank-a", "bank-b"].map { name in
            let hash = SHA256.hash(Array("update:\(name)".utf8))
            return ContributionRecord(partyId: name, updateHash: hash,
                                      updateSignature: try key(name).signature(for: ContributionRecord.signedMessage(roundId: 1, updateHash: hash)),
                                      noisedRecordCount: 0, epsilonSpentMicros: 100_000, cumulativeEpsilonMicros: 100_000, cumulativeDeltaAttos: 0)
        }
        let rewards = contributions.map { RewardLine(partyId: $0.partyId, credits: GenesisEntry.defaultRewardPolicy.reward(noisedRecordCount: 0, qualityPPM: 0)!) }
        return RoundCommitmentEntry(
            roundId: 1, previousHeadSize: UInt64(ledger.size), previousHeadRoot: try ledger.tree.root(),
            modelHashIn: SHA256.hash([0]), modelHashOut: SHA256.hash([1]), paillierPublicKeyHash: SHA256.hash(Array("pk".utf8)),
            packing: PackingParameters(modulusBits: 2048, valueBits: 16, maximumSummands: 1000), contributions: contributions,
            aggregateHash: SHA256.hash([2]),
            decryptionShares: ["bank-a", "bank-b"].map { DecryptionShareRecord(partyId: $0, shareHash: SHA256.hash([3]), proofHash: SHA256.hash([4])) },
            totalNoiseMicros: 1, roundEpsilonMicros: 100_000, roundDeltaAttos: 0, qualityPPM: 0, rewards: rewards)
    }

    @Test("while rounds run, co-signing waits for the job's end or the maximum delay; then one head covers everything")
    func batchedCosigning() throws {
        let directory = NSTemporaryDirectory() + "apiary-ledger-service-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let service = try LedgerService(path: directory + "/ledger.apl", description: try Self.genesis(), coordinatorId: "coordinator",
                                        key: try Self.key("coordinator"), maximumFinalityDelay: 60)
        #expect(service.appender.pendingEntries == [0])  // the genesis entry awaits co-signatures
        let start = Date()
        #expect(try service.headToCosign(for: "bank-a", roundsRunning: true, now: start) == nil)
        #expect(try service.headToCosign(for: "bank-a", roundsRunning: true, now: start.addingTimeInterval(59)) == nil)
        // Researchers and the coordinator itself are never asked.
        #expect(try service.headToCosign(for: "reader", roundsRunning: false, now: start) == nil)
        // After the maximum delay, or once no round is running, the head is offered.
        let late = try #require(try service.headToCosign(for: "bank-a", roundsRunning: true, now: start.addingTimeInterval(61)))
        #expect(late.head.size == 1 && late.signerId == "coordinator")

        // A deferred entry gets no head of its own; the next offer covers it.
        let headsBefore = service.appender.ledger.signedHeads.joined().count
        try service.appender.appendDeferringHead(.roundCommitment(try Self.commitment(after: service.appender.ledger)))
        #expect(service.appender.ledger.signedHeads.joined().count == headsBefore)
        let offered = try #require(try service.headToCosign(for: "bank-b", roundsRunning: false))
        #expect(offered.head.size == 2)

        // Co-signatures by t = 2 institutions make both entries final, and the round is settled
        // at once (a deferred entry); the next head covers the settlement.
        func cosign(_ head: SignedTreeHead) throws {
            for name in ["bank-a", "bank-b"] {
                try service.addCosignature(try SignedTreeHead(signing: head.head, signerId: name, key: try Self.key(name)), from: name)
            }
        }
        try cosign(offered)
        #expect(service.appender.pendingEntries == [2])
        guard case .rewardSettlement(let settlement) = service.appender.ledger.entries[2] else {
            Issue.record("entry 2 is not the settlement")
            return
        }
        #expect(settlement.roundId == 1)
        // The settlement is now the oldest pending entry: its wait starts when it is first seen,
        // not when the genesis entry was.
        #expect(try service.headToCosign(for: "bank-a", roundsRunning: true, now: start.addingTimeInterval(100)) == nil)
        #expect(try service.headToCosign(for: "bank-a", roundsRunning: true, now: start.addingTimeInterval(159)) == nil)
        let last = try #require(try service.headToCosign(for: "bank-a", roundsRunning: true, now: start.addingTimeInterval(161)))
        #expect(last.head.size == 3)
        try cosign(last)
        #expect(service.appender.pendingEntries.isEmpty)
        #expect(try service.headToCosign(for: "bank-a", roundsRunning: false) == nil)
    }
}
