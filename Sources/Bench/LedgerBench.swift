import Dispatch
import Foundation
import Shared

/// `apiary-bench ledger`: append+fsync throughput, verification time of a 100,000-entry ledger,
/// and inclusion proof generation plus verification time.
enum LedgerBench {
    static let entryCount = 100_000

    /// Runs the measurements with files under `directory` and returns text or JSON
    /// (keys `append_fsync_per_s`, `verify_100k_s`, `inclusion_proof_us`).
    static func run(json: Bool, directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let appendRate = try measureAppends(path: directory + "/bench-append.ledger", count: 2_000)
        let ledgerPath = directory + "/bench-100k.ledger"
        let ledger = try writeLedger(path: ledgerPath, entries: entryCount)
        let start = DispatchTime.now()
        let report = try LedgerVerifier.verify(path: ledgerPath).get()
        let verifySeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        precondition(report.entryCount == entryCount, "the bench ledger did not verify completely")
        let proofMicros = try measureProofs(ledger)
        try? FileManager.default.removeItem(atPath: ledgerPath)
        try? FileManager.default.removeItem(atPath: directory + "/bench-append.ledger")
        if json {
            return String(format: "{\"append_fsync_per_s\": %.0f, \"verify_100k_s\": %.2f, \"inclusion_proof_us\": %.1f, \"signatures_checked\": %d}",
                          appendRate, verifySeconds, proofMicros, report.signatureCount)
        }
        return String(format: "append+fsync: %.0f entries/s\nverify 100k entries (%d signatures): %.2f s\ninclusion proof generate+verify: %.1f us",
                      appendRate, report.signatureCount, verifySeconds, proofMicros)
    }

    /// Durable single-record appends (one write + fdatasync each), as the coordinator does.
    static func measureAppends(path: String, count: Int) throws -> Double {
        try? FileManager.default.removeItem(atPath: path)
        let store = try LedgerStore.open(path: path).store
        let payload = [UInt8](repeating: 0x5a, count: 600)
        let start = DispatchTime.now()
        for _ in 0..<count { try store.append(LedgerRecord(type: .entry, payload: payload)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return Double(count) / seconds
    }

    /// A consortium ledger of `entries` entries: genesis, then alternating round commitments
    /// (two signed contributions each) and settlements, every entry endorsed by the coordinator
    /// and t = 2 institutions. Written with one large append (building is not what is measured).
    static func writeLedger(path: String, entries: Int) throws -> Ledger {
        try? FileManager.default.removeItem(atPath: path)
        func key(_ id: String) throws -> Ed25519PrivateKey { try Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("bench:\(id)".utf8))) }
        let institutions = ["inst-a", "inst-b", "inst-c"]
        var keys: [String: Ed25519PrivateKey] = ["coordinator": try key("coordinator")]
        for id in institutions { keys[id] = try key(id) }
        let policy = RewardPolicy(participationCredits: 10, creditsPerThousandRecords: 5, qualityFloorPPM: 500_000, licencePriceCredits: 100)
        let members = keys.map { id, key in
            ConsortiumMember(id: id, role: id == "coordinator" ? .coordinator : .institution, ledgerKey: key.publicKey.rawRepresentation,
                             certificateFingerprint: SHA256.hash(Array(id.utf8)))
        }
        let genesis = GenesisEntry(
            consortiumName: "bench", members: members, threshold: 2, committee: institutions,
            paillierPublicKeyHash: SHA256.hash(Array("pk".utf8)), verificationKeysHash: SHA256.hash(Array("vk".utf8)),
            packing: PackingParameters(modulusBits: 2048, valueBits: 16, maximumSummands: 1000),
            privacyPolicy: PrivacyPolicy(minimumContributors: 2, perRoundEpsilonMicros: 1_000, perRoundDeltaAttos: 1_000,
                                         institutionCaps: institutions.map { InstitutionBudgetCap(partyId: $0, epsilonMicros: .max, deltaAttos: .max) }),
            rewardPolicy: policy)
        var ledger = Ledger()
        var records: [LedgerRecord] = []
        func appendEndorsed(_ entry: LedgerEntry) throws {
            let (index, leafHash) = ledger.append(entry)
            let head = try ledger.head(timestampMillis: 1_750_000_000_000 + UInt64(index))
            records.append(LedgerRecord(type: .entry, payload: ledger.encodings[index]))
            for signer in ["coordinator", "inst-a", "inst-b"] {
                let endorsement = try Endorsement(signing: leafHash, entryIndex: UInt64(index), head: head, signerId: signer, key: keys[signer]!)
                try ledger.add(endorsement)
                records.append(.endorsement(endorsement))
            }
        }
        try appendEndorsed(.genesis(genesis))
        var roundId: UInt64 = 0
        var spent: [String: UInt64] = [:]
        while ledger.size < entries {
            roundId += 1
            let contributors = roundId % 2 == 0 ? ["inst-a", "inst-b"] : ["inst-b", "inst-c"]
            let contributions = try contributors.map { id -> ContributionRecord in
                let updateHash = SHA256.hash(Array("update:\(roundId):\(id)".utf8))
                spent[id, default: 0] += 100
                return ContributionRecord(partyId: id, updateHash: updateHash,
                                          updateSignature: try keys[id]!.signature(for: ContributionRecord.signedMessage(roundId: roundId, updateHash: updateHash)),
                                          noisedRecordCount: 5_000, epsilonSpentMicros: 100, cumulativeEpsilonMicros: spent[id]!,
                                          cumulativeDeltaAttos: 0)
            }
            let rewards = contributions.map { RewardLine(partyId: $0.partyId, credits: policy.reward(noisedRecordCount: $0.noisedRecordCount, qualityPPM: 900_000)!) }
            try appendEndorsed(.roundCommitment(RoundCommitmentEntry(
                roundId: roundId, previousHeadSize: UInt64(ledger.size), previousHeadRoot: try ledger.tree.root(),
                modelHashIn: SHA256.hash(Array("m\(roundId - 1)".utf8)), modelHashOut: SHA256.hash(Array("m\(roundId)".utf8)),
                paillierPublicKeyHash: SHA256.hash(Array("pk".utf8)), packing: genesis.packing, contributions: contributions,
                aggregateHash: SHA256.hash(Array("agg\(roundId)".utf8)),
                decryptionShares: ["inst-a", "inst-b"].map { DecryptionShareRecord(partyId: $0, shareHash: SHA256.hash(Array("s\($0)".utf8)), proofHash: SHA256.hash(Array("p\($0)".utf8))) },
                totalNoiseMicros: 1, roundEpsilonMicros: 100, roundDeltaAttos: 0, qualityPPM: 900_000, rewards: rewards)))
            if ledger.size < entries {
                try appendEndorsed(.rewardSettlement(RewardSettlementEntry(roundId: roundId, credits: rewards,
                                                                            totalCredits: rewards.reduce(0) { $0 + $1.credits })))
            }
        }
        let store = try LedgerStore.open(path: path).store
        try store.append(contentsOf: records)
        return ledger
    }

    /// Mean microseconds to generate and verify one inclusion proof in the 100k tree.
    static func measureProofs(_ ledger: Ledger) throws -> Double {
        let tree = ledger.tree
        let root = try tree.root()
        let rounds = 20_000
        let start = DispatchTime.now()
        for step in 0..<rounds {
            let index = (step &* 7_919) % tree.size
            let proof = try tree.inclusionProof(index: index, size: tree.size)
            guard MerkleTree.verifyInclusion(leafHash: try tree.leafHash(at: index), index: index, size: tree.size, proof: proof, root: root) else {
                throw ApiaryError(.verificationFailed, "inclusion proof \(index) did not verify")
            }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e3 / Double(rounds)
    }
}
