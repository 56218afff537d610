import Foundation
import Shared

/// A small consortium (a coordinator, three hospitals with t = 2, one researcher) with
/// deterministic keys, and a ledger that exercises every entry kind.
public struct LedgerFixture {
    public static let coordinator = "coordinator"
    public static let institutions = ["hospital-a", "hospital-b", "hospital-c"]
    public static let researcher = "researcher-r"
    public static let timestamp: UInt64 = 1_750_000_000_000

    public static func key(_ id: String) -> Ed25519PrivateKey {
        try! Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("apiary-test-key:\(id)".utf8)))
    }

    public static func hash(_ label: String) -> [UInt8] { SHA256.hash(Array(label.utf8)) }

    public static var rewardPolicy: RewardPolicy {
        RewardPolicy(participationCredits: 100, creditsPerThousandRecords: 50, qualityFloorPPM: 500_000, licencePriceCredits: 150)
    }

    public static var genesis: GenesisEntry {
        var members = [ConsortiumMember(id: coordinator, role: .coordinator, ledgerKey: key(coordinator).publicKey.rawRepresentation,
                                        certificateFingerprint: hash("cert:\(coordinator)"))]
        for id in institutions {
            members.append(ConsortiumMember(id: id, role: .institution, ledgerKey: key(id).publicKey.rawRepresentation,
                                            certificateFingerprint: hash("cert:\(id)")))
        }
        members.append(ConsortiumMember(id: researcher, role: .researcher, ledgerKey: key(researcher).publicKey.rawRepresentation,
                                        certificateFingerprint: hash("cert:\(researcher)"), initialCredits: 200))
        let caps = institutions.map { InstitutionBudgetCap(partyId: $0, epsilonMicros: 10_000_000, deltaAttos: 10_000_000_000_000) }
        return GenesisEntry(consortiumName: "Apiary test consortium", members: members, threshold: 2, committee: institutions,
                            paillierPublicKeyHash: hash("paillier"), verificationKeysHash: hash("verification keys"),
                            packing: PackingParameters(modulusBits: 2048, valueBits: 16, maximumSummands: 1000),
                            privacyPolicy: PrivacyPolicy(minimumContributors: 2, perRoundEpsilonMicros: 2_000_000,
                                                         perRoundDeltaAttos: 1_000_000_000_000, institutionCaps: caps),
                            rewardPolicy: rewardPolicy)
    }

    public static func appender(store: LedgerStore? = nil) throws -> LedgerAppender {
        try LedgerAppender(store: store, existingRecords: [], coordinatorId: coordinator, coordinatorKey: key(coordinator),
                           clock: { timestamp })
    }

    /// A valid commitment for the next entry of `appender`.
    public static func commitment(roundId: UInt64, contributors: [String], after ledger: Ledger, state: LedgerState,
                           epsilonMicros: UInt64 = 1_000_000, qualityPPM: UInt32 = 800_000,
                           modelHashOut: [UInt8]? = nil) throws -> RoundCommitmentEntry {
        let contributions = try contributors.enumerated().map { offset, id in
            let updateHash = hash("update:\(roundId):\(id)")
            let previous = state.cumulativeEpsilonMicros[id] ?? 0
            return ContributionRecord(partyId: id, updateHash: updateHash,
                                      updateSignature: try key(id).signature(for: ContributionRecord.signedMessage(roundId: roundId, updateHash: updateHash)),
                                      noisedRecordCount: Int64(1_000 * (offset + 1)) + 17, epsilonSpentMicros: epsilonMicros,
                                      cumulativeEpsilonMicros: previous + epsilonMicros,
                                      cumulativeDeltaAttos: (state.cumulativeDeltaAttos[id] ?? 0) + 100)
        }
        let rewards = contributions.compactMap { c -> RewardLine? in
            let credits = rewardPolicy.reward(noisedRecordCount: c.noisedRecordCount, qualityPPM: qualityPPM)!
            return credits > 0 ? RewardLine(partyId: c.partyId, credits: credits) : nil
        }
        let shares = institutions.prefix(2).map { DecryptionShareRecord(partyId: $0, shareHash: hash("share:\(roundId):\($0)"), proofHash: hash("proof:\(roundId):\($0)")) }
        return RoundCommitmentEntry(roundId: roundId, previousHeadSize: UInt64(ledger.size), previousHeadRoot: try ledger.tree.root(),
                                    modelHashIn: hash("model:\(roundId - 1)"), modelHashOut: modelHashOut ?? hash("model:\(roundId)"),
                                    paillierPublicKeyHash: hash("paillier"),
                                    packing: PackingParameters(modulusBits: 2048, valueBits: 16, maximumSummands: 1000),
                                    contributions: contributions, aggregateHash: hash("aggregate:\(roundId)"),
                                    decryptionShares: shares, totalNoiseMicros: 4_000_000, roundEpsilonMicros: epsilonMicros,
                                    roundDeltaAttos: 100, qualityPPM: qualityPPM, rewards: rewards)
    }

    /// Appends `entry` with the coordinator's head over the ledger after it, and has
    /// `endorsers` co-sign that head. Returns the coordinator's head.
    @discardableResult
    public static func appendEndorsed(_ entry: LedgerEntry, to appender: LedgerAppender, endorsers: [String] = ["hospital-a", "hospital-b"]) throws -> SignedTreeHead {
        let head = try appender.append(entry)
        for id in endorsers { try appender.addCosignature(cosignature(of: head, by: id)) }
        return head
    }

    /// `id`'s co-signature of the head `signed` signs.
    public static func cosignature(of signed: SignedTreeHead, by id: String) throws -> SignedTreeHead {
        try SignedTreeHead(signing: signed.head, signerId: id, key: key(id))
    }

    /// The CSV the fixture's dataset publication describes.
    public static let datasetCSV = Array("age,diagnosis\n34,flu\n51,asthma\n".utf8)

    /// The CSV of the candidate the fixture's dataset rejection describes (round 3 scored it).
    public static let rejectedCSV = Array("age,diagnosis\n99,flu\n".utf8)

    /// A ledger with every entry kind but a rejection: genesis, two rounds with settlements, a
    /// publication and a licence, each final.
    /// A datasheet stating what `fullLedger(datasheet:)`'s publication and `datasetCSV` show
    /// (epsilon 1.5, delta 2e-16, the three institutions, mst, 2 rows); `replacing` edits its text.
    public static func datasheetJSON(replacing edits: [(String, String)] = []) -> [UInt8] {
        var text = """
        {"format": "apiary-datasheet-v1", "rows": 2, "contributors": ["hospital-c", "hospital-a", "hospital-b"],
         "generator": {"name": "mst"}, "privacy": {"epsilon": 1.5, "delta": 2e-16},
         "hashes": {"synthetic.csv": "\(SHA256.hash(datasetCSV).hexString)"}}
        """
        for (old, new) in edits { text = text.replacingOccurrences(of: old, with: new) }
        return Array(text.utf8)
    }

    /// Every entry kind but a rejection, each final; the publication's datasheet hash is
    /// SHA-256 of `datasheet` (of the text "datasheet", which the encoding vectors use, if nil).
    public static func fullLedger(store: LedgerStore? = nil, datasheet: [UInt8]? = nil) throws -> LedgerAppender {
        let appender = try appender(store: store)
        try appendEndorsed(.genesis(genesis), to: appender)
        for (roundId, contributors) in [(UInt64(1), institutions), (UInt64(2), Array(institutions.prefix(2)))] {
            let commitment = try commitment(roundId: roundId, contributors: contributors, after: appender.ledger, state: appender.state)
            try appendEndorsed(.roundCommitment(commitment), to: appender)
            try appendEndorsed(.rewardSettlement(RewardSettlementEntry(roundId: roundId, credits: commitment.rewards,
                                                                        totalCredits: commitment.rewards.reduce(0) { $0 + $1.credits })), to: appender)
        }
        try appendEndorsed(.datasetPublication(DatasetPublicationEntry(
            datasetId: "synthetic-2025-01", csvHash: SHA256.hash(datasetCSV), csvSize: UInt64(datasetCSV.count),
            datasheetHash: datasheet.map(SHA256.hash) ?? hash("datasheet"), generator: "mst", epsilonMicros: 1_500_000, deltaAttos: 200,
            contributors: institutions, rounds: [1, 2])), to: appender)
        try appendEndorsed(.licenceGrant(LicenceGrantEntry(researcherId: researcher, datasetId: "synthetic-2025-01", creditsSpent: 150)), to: appender)
        return appender
    }

    /// `fullLedger` and then a third round whose candidate the quality gate rejected: every
    /// entry kind, each final (the ledger the encoding vectors describe).
    public static func ledgerWithRejection() throws -> LedgerAppender {
        let appender = try fullLedger()
        let quality = try commitment(roundId: 3, contributors: Array(institutions.prefix(2)), after: appender.ledger, state: appender.state,
                                     modelHashOut: SHA256.hash(rejectedCSV))
        try appendEndorsed(.roundCommitment(quality), to: appender)
        try appendEndorsed(.datasetRejection(DatasetRejectionEntry(
            datasetId: "synthetic-2025-02", csvHash: SHA256.hash(rejectedCSV), csvSize: UInt64(rejectedCSV.count), generator: "mst",
            failures: ["pair trends 0.812 below the minimum 0.900"], rounds: [3])), to: appender)
        return appender
    }

    /// A fresh temporary file path, in a directory of its own that the caller removes with
    /// `removeTemporaryDirectory(of:)`.
    public static func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-ledger-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    /// Removes the directory `temporaryPath` made for `path`, with everything written beside it.
    public static func removeTemporaryDirectory(of path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }
}
