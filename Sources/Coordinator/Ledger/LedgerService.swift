import Foundation
import Shared

/// The coordinator's side of the ledger (design brief section 8): appends the genesis entry,
/// one commitment per applied round, collects the institutions' co-signatures of its heads,
/// settles a round's rewards once its commitment is final, and records dataset publications and
/// licences. The file lives in the state directory (`ledger.apl`) and is re-verified in full
/// when the coordinator starts.
///
/// Heads are batched the way transparency logs batch them: a round's commitment is appended
/// without a head of its own, and the coordinator signs one head, for the institutions to
/// co-sign, when the job's rounds are done (or when an entry has waited `maximumFinalityDelay`).
/// One head and t co-signatures then make a whole job final instead of one set per round;
/// every institution still checks every commitment the head covers before co-signing it
/// (docs/ledger.md, "Finality").
public final class LedgerService: @unchecked Sendable {
    public let appender: LedgerAppender
    public let genesis: GenesisEntry
    private let coordinatorId: String
    private let lock = NSLockShim()
    /// Longest an entry waits for co-signatures while rounds are still running.
    public let maximumFinalityDelay: TimeInterval
    /// The oldest entry awaiting finality and when it was first seen pending (under `lock`);
    /// a new oldest entry (the earlier ones became final) starts its own wait.
    private var oldestPending: (index: Int, since: Date)?

    /// Opens (or creates, with the genesis entry derived from `description`) the ledger.
    public init(path: String, description: GenesisDescription, coordinatorId: String, key: Ed25519PrivateKey,
                maximumFinalityDelay: TimeInterval = 300,
                clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1_000) }) throws {
        self.maximumFinalityDelay = maximumFinalityDelay
        let opened = try LedgerStore.open(path: path, create: true)
        if let repaired = opened.repairedTail {
            Log.warning("ledger.torn_tail_truncated", ["path": path, "detail": "\(repaired)"])
        }
        appender = try LedgerAppender(store: opened.store, existingRecords: opened.records, coordinatorId: coordinatorId,
                                      coordinatorKey: key, clock: clock)
        genesis = try GenesisEntry(description: description)
        self.coordinatorId = coordinatorId
        if appender.ledger.size == 0 {
            _ = try appender.append(.genesis(genesis))
            Log.info("ledger.genesis_appended", ["consortium": description.consortium])
        } else {
            guard case .genesis(let existing) = appender.ledger.entries[0], existing == genesis else {
                throw ApiaryError(.conflict, "the ledger at \(path) belongs to another consortium than this kit's genesis")
            }
        }
    }

    /// The coordinator head `party` should co-sign, if entries await finality and it has not
    /// co-signed a head that covers them. While `roundsRunning` (the job will commit more
    /// rounds), none is offered until the oldest pending entry has waited `maximumFinalityDelay`:
    /// the head after the job's last round covers them all. Deferred entries (commitments,
    /// settlements) get a fresh coordinator head first, so co-signing it makes them final too.
    public func headToCosign(for party: String, roundsRunning: Bool = false, now: Date = Date()) throws -> SignedTreeHead? {
        try lock.withLock {
            guard let first = appender.pendingEntries.first else {
                oldestPending = nil
                return nil
            }
            if oldestPending?.index != first { oldestPending = (first, now) }
            guard appender.state.members[party]?.role == .institution else { return nil }
            if roundsRunning && now.timeIntervalSince(oldestPending!.since) < maximumFinalityDelay { return nil }
            let head = try appender.signedHead()
            let signed = appender.ledger.signedHeads.joined().contains { $0.signerId == party && $0.head.size >= head.head.size }
            return signed ? nil : head
        }
    }

    /// Appends the commitment of an applied round and returns its entry index.
    /// `cumulativeEpsilon` is each contributor's epsilon over every round it took part in,
    /// this one included, from the RDP composition (it must lie between its previous ledger
    /// total and that total plus this round's epsilon).
    public func commit(round: RoundState, task: UpdateTask, roundEpsilon: Double, cumulativeEpsilon: [String: Double], delta: Double,
                       totalNoise: Double, shares: [DecryptionShareRecord]) throws -> Int {
        try lock.withLock {
            let ledger = appender.ledger
            let state = appender.state
            let epsilonMicros = UInt64((roundEpsilon * 1e6).rounded(.up))
            let deltaAttos = UInt64((delta * 1e18).rounded(.down))
            func bytes(_ hex: String?) -> [UInt8] { hex.flatMap { [UInt8](hexString: $0) } ?? [UInt8](repeating: 0, count: 32) }
            let contributions = round.contributors.compactMap { party -> ContributionRecord? in
                guard let submission = round.submissions[party] else { return nil }
                let previous = state.cumulativeEpsilonMicros[party] ?? 0
                let composed = UInt64(((cumulativeEpsilon[party] ?? .infinity) * 1e6).rounded(.up))
                return ContributionRecord(partyId: party, updateHash: bytes(submission.updateHash),
                                          updateSignature: [UInt8](hexString: submission.signature) ?? [],
                                          noisedRecordCount: 0, epsilonSpentMicros: epsilonMicros,
                                          cumulativeEpsilonMicros: min(max(composed, previous), previous + epsilonMicros),
                                          cumulativeDeltaAttos: max(state.cumulativeDeltaAttos[party] ?? 0, deltaAttos))
            }
            let quality: UInt32 = 0
            let rewards = contributions.compactMap { contribution -> RewardLine? in
                guard let credits = genesis.rewardPolicy.reward(noisedRecordCount: contribution.noisedRecordCount, qualityPPM: quality),
                      credits > 0 else { return nil }
                return RewardLine(partyId: contribution.partyId, credits: credits)
            }
            let commitment = RoundCommitmentEntry(
                roundId: round.id, previousHeadSize: UInt64(ledger.size), previousHeadRoot: try ledger.tree.root(),
                modelHashIn: bytes(task.modelHashIn), modelHashOut: bytes(round.modelHashOut),
                paillierPublicKeyHash: genesis.paillierPublicKeyHash,
                packing: PackingParameters(modulusBits: UInt32(task.packing.modulusBits), valueBits: UInt8(task.packing.valueBits),
                                           maximumSummands: UInt32(task.packing.maxSummands)),
                contributions: contributions, aggregateHash: bytes(round.aggregateHash), decryptionShares: shares,
                totalNoiseMicros: UInt64(min(totalNoise * 1e6, Double(UInt64.max / 2))), roundEpsilonMicros: epsilonMicros,
                roundDeltaAttos: deltaAttos, qualityPPM: quality, rewards: rewards)
            // No head yet: the head after the job's last round covers this one too.
            let index = try appender.appendDeferringHead(.roundCommitment(commitment))
            Log.info("ledger.round_committed", ["round": String(round.id), "entry": String(index), "epsilon": String(format: "%.4f", roundEpsilon)])
            return index
        }
    }

    /// Adds an institution's co-signature of a head; then settles every round that became final.
    public func addCosignature(_ signed: SignedTreeHead, from party: String) throws {
        guard signed.signerId == party else {
            throw ApiaryError(.verificationFailed, "a co-signature by \(signed.signerId) cannot be sent by \(party)")
        }
        try lock.withLock {
            try appender.addCosignature(signed)
            Log.info("ledger.cosigned", ["party": party, "size": String(signed.head.size)])
            try settleFinalRounds()
        }
    }

    private func settleFinalRounds() throws {
        let state = appender.state
        let settled = Set(appender.ledger.entries.compactMap { entry -> UInt64? in
            if case .rewardSettlement(let body) = entry { return body.roundId } else { return nil }
        })
        for (roundId, round) in state.rounds.sorted(by: { $0.key < $1.key }) where !settled.contains(roundId) && appender.isFinal(round.entryIndex) {
            let total = round.rewards.reduce(0) { $0 + $1.credits }
            let index = try appender.appendDeferringHead(.rewardSettlement(RewardSettlementEntry(roundId: roundId, credits: round.rewards, totalCredits: total)))
            Log.info("ledger.round_settled", ["round": String(roundId), "entry": String(index), "credits": String(total)])
        }
    }

    /// Records a dataset publication; returns its entry index.
    public func publish(datasetId: String, csv: [UInt8], datasheet: [UInt8], generator: String, epsilon: Double, delta: Double,
                        contributors: [String], rounds: [UInt64]) throws -> Int {
        try lock.withLock {
            let entry = DatasetPublicationEntry(datasetId: datasetId, csvHash: SHA256.hash(csv), csvSize: UInt64(csv.count),
                                                datasheetHash: SHA256.hash(datasheet), generator: generator,
                                                epsilonMicros: UInt64((epsilon * 1e6).rounded(.up)), deltaAttos: UInt64((delta * 1e18).rounded(.down)),
                                                contributors: contributors, rounds: rounds)
            let head = try appender.append(.datasetPublication(entry))
            Log.info("ledger.dataset_published", ["dataset": datasetId, "entry": String(head.head.size - 1)])
            return Int(head.head.size) - 1
        }
    }

    /// Records that the quality gate kept candidate `datasetId` from publication.
    public func reject(datasetId: String, csvHash: [UInt8], csvSize: UInt64, generator: String, failures: [String], rounds: [UInt64]) throws -> Int {
        try lock.withLock {
            let entry = DatasetRejectionEntry(datasetId: datasetId, csvHash: csvHash, csvSize: csvSize,
                                              generator: generator, failures: failures, rounds: rounds)
            let head = try appender.append(.datasetRejection(entry))
            Log.info("ledger.dataset_rejected", ["dataset": datasetId, "entry": String(head.head.size - 1)])
            return Int(head.head.size) - 1
        }
    }

    /// Records a licence: `researcher` spends the licence price on `datasetId`.
    public func grantLicence(researcher: String, datasetId: String) throws -> Int {
        try lock.withLock {
            let head = try appender.append(.licenceGrant(LicenceGrantEntry(researcherId: researcher, datasetId: datasetId,
                                                                           creditsSpent: genesis.rewardPolicy.licencePriceCredits)))
            return Int(head.head.size) - 1
        }
    }
}
