import Foundation
import Shared

/// The coordinator's round logic behind one lock: opens rounds, hands out tasks (long-poll),
/// accepts signed updates durably and aggregates them in a streaming way, and drives the
/// `RoundState` machine with time. The HTTP layer (`CoordinatorRouter`) only translates
/// requests into these calls.
public final class CoordinatorEngine: @unchecked Sendable {
    /// Round rules of the consortium.
    public struct Policy: Sendable {
        /// Ledger (Ed25519) keys of the institutions' agents, by certificate name.
        public var agentKeys: [String: Ed25519PublicKey]
        /// Institutions holding threshold key shares, with their party ids in the threshold key.
        public var committeeSeats: [String: Int]
        public var quorum: Int
        public var collectionSeconds: Double
        public var failAfterSeconds: Double
        public var decryptionTimeout: Double

        public init(agentKeys: [String: Ed25519PublicKey], committeeSeats: [String: Int], quorum: Int,
                    collectionSeconds: Double = 300, failAfterSeconds: Double = 3_600, decryptionTimeout: Double = 600) {
            self.agentKeys = agentKeys
            self.committeeSeats = committeeSeats
            self.quorum = quorum
            self.collectionSeconds = collectionSeconds
            self.failAfterSeconds = failAfterSeconds
            self.decryptionTimeout = decryptionTimeout
        }
    }

    public let policy: Policy
    public let thresholdKey: ThresholdPublicKey
    public var publicKey: PaillierPublicKey { thresholdKey.paillier }
    public let store: RoundStore
    private let applier: any RoundApplier
    private let clock: @Sendable () -> Date
    private let condition = NSCondition()
    private var round: RoundState?
    private var task: UpdateTask?
    private var accumulator: CiphertextAccumulator?
    /// Verified partial decryptions of the current round, by party name.
    private var verifiedPartials: [String: VerifiedPartialDecryption] = [:]
    /// The aggregate of the round being decrypted (kept for verifying partials).
    private var aggregate: [PaillierCiphertext]?
    private var lastResult: [Int64]?
    private var pendingNext: UpdateTask?
    private var extraTasks: (@Sendable (String) -> TaskEnvelope?)?

    /// Installs a source of tasks outside the round (ledger co-signing), asked first on every poll.
    public func setExtraTaskSource(_ source: @escaping @Sendable (String) -> TaskEnvelope?) {
        condition.withLock { extraTasks = source }
    }

    /// Wakes long-polling agents (for example when a new head awaits co-signatures).
    public func notifyAgents() { condition.withLock { condition.broadcast() } }
    private var counters: [String: Int] = [:]
    private var lastSeenAgents: [String: Date] = [:]

    /// When each agent last polled (agent health on the dashboard).
    public var lastSeen: [String: Date] { condition.withLock { lastSeenAgents } }

    /// Creates the engine and resumes the round in progress from `store`, if any.
    public init(policy: Policy, thresholdKey: ThresholdPublicKey, store: RoundStore, applier: any RoundApplier,
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        guard Set(policy.committeeSeats.values).count == policy.committeeSeats.count,
              policy.committeeSeats.count == thresholdKey.partyCount else {
            throw ApiaryError(.invalidArgument, "the committee must seat each of the key's \(thresholdKey.partyCount) parties once")
        }
        self.policy = policy
        self.thresholdKey = thresholdKey
        self.store = store
        self.applier = applier
        self.clock = clock
        if let (state, task) = try store.current() {
            self.round = state
            self.task = task
            if state.isCollecting {
                accumulator = try rebuildAccumulator(state, task: task)
            } else if state.stage == .decrypting {
                try reloadDecryption(state, task: task)
            }
            Log.info("round.resumed", ["round": String(state.id), "stage": state.stage.rawValue,
                                       "updates": String(state.submissions.count)])
            // Stopped after choosing the partials to combine but before the applied round was
            // saved: the choice is on disk, so combine again (the applier skips a round it applied).
            if state.stage == .decrypting, !state.combinedParties.isEmpty {
                combineLocked(state.combinedParties)
            }
        }
    }

    /// Recomputes the running sum from the updates the snapshot lists (never from a kept sum).
    private func rebuildAccumulator(_ state: RoundState, task: UpdateTask) throws -> CiphertextAccumulator {
        var sum = CiphertextAccumulator(publicKey: publicKey, count: task.ciphertextCount)
        for agent in state.submissions.keys.sorted() {
            guard let bytes = try store.update(round: state.id, agent: agent) else {
                throw ApiaryError(.notFound, "round \(state.id) lists an update from \(agent) whose file is missing; restore the state directory from backup")
            }
            try sum.add(try PaillierKeyCodec.decodeVector(bytes, key: publicKey, expectedCount: task.ciphertextCount))
        }
        return sum
    }

    // MARK: Rounds

    /// Opens a new round with `task` (its round id must be new).
    public func openRound(_ task: UpdateTask) throws {
        try condition.withLock {
            if let round, round.stage != .committed, round.stage != .failed {
                throw ApiaryError(.conflict, "round \(round.id) is still \(round.stage.rawValue)")
            }
            if let round, task.roundId <= round.id {
                throw ApiaryError(.conflict, "round ids must increase: \(task.roundId) after \(round.id)")
            }
            let now = clock()
            let state = try RoundState(id: task.roundId, expectedAgents: policy.agentKeys.keys.sorted(), committee: policy.committeeSeats.keys.sorted(),
                                       quorum: policy.quorum, threshold: thresholdKey.threshold, ciphertextCount: task.ciphertextCount,
                                       openedAt: now, collectionSeconds: policy.collectionSeconds,
                                       failAfterSeconds: policy.failAfterSeconds, decryptionTimeout: policy.decryptionTimeout)
            try store.begin(state, task: task)
            round = state
            self.task = task
            accumulator = CiphertextAccumulator(publicKey: publicKey, count: task.ciphertextCount)
            verifiedPartials = [:]
            aggregate = nil
            Log.info("round.opened", ["round": String(task.roundId), "step": task.step.name,
                                      "ciphertexts": String(task.ciphertextCount), "quorum": String(policy.quorum)])
            condition.broadcast()
        }
    }

    /// The current round's state (a copy).
    public var currentRound: RoundState? { condition.withLock { round } }

    /// Event counters for /metrics (updates_accepted, updates_refused, ...).
    public var eventCounts: [String: Int] { condition.withLock { counters } }

    // MARK: Tasks

    /// The next task for `agent`, waiting up to `wait` seconds for one to appear.
    public func nextTask(for agent: String, wait: Double) -> TaskEnvelope {
        let deadline = Date().addingTimeInterval(max(0, min(wait, 60)))
        return condition.withLock {
            lastSeenAgents[agent] = Date()
            while true {
                advanceLocked()
                let envelope = envelopeLocked(for: agent)
                if envelope.kind != .wait || Date() >= deadline { return envelope }
                _ = condition.wait(until: deadline)
            }
        }
    }

    private func envelopeLocked(for agent: String) -> TaskEnvelope {
        if let extra = extraTasks?(agent) { return extra }
        guard let round, let task else { return .wait("no round is open") }
        if round.isCollecting {
            if round.submissions[agent] != nil { return .wait("update received; waiting for the round to close", round: round.id) }
            if round.refusals[agent] != nil { return .wait("declined this round", round: round.id) }
            return TaskEnvelope(kind: .update, roundId: round.id, update: task, decrypt: nil, cosignHead: nil, note: nil)
        }
        if round.stage == .decrypting, round.combinedParties.isEmpty, policy.committeeSeats[agent] != nil,
           round.partials[agent]?.valid != true, let aggregateHash = round.aggregateHash {
            let contributions = round.contributors.compactMap { name in
                round.submissions[name].map { DecryptTask.Contribution(agent: name, updateHash: $0.updateHash, signature: $0.signature) }
            }
            let decrypt = DecryptTask(roundId: round.id, aggregateHash: aggregateHash, ciphertextCount: task.ciphertextCount,
                                      quorum: round.quorum, contributions: contributions)
            return TaskEnvelope(kind: .decrypt, roundId: round.id, update: nil, decrypt: decrypt, cosignHead: nil, note: nil)
        }
        return .wait("round \(round.id) is \(round.stage.rawValue)", round: round.id)
    }

    // MARK: Updates

    /// Accepts an agent's update: checks round, membership, signature and every ciphertext,
    /// stores it durably, records it, folds it into the sum, and only then returns.
    public func submitUpdate(round roundId: UInt64, agent: String, body: [UInt8], signatureHex: String) throws(RoundState.Refusal) -> SubmissionReceipt {
        let updateHash = SHA256.hash(body)
        let hashHex = updateHash.hexString
        // Decoding validates every ciphertext; do it outside the lock (it is the slow part).
        let expected = condition.withLock { task?.ciphertextCount }
        let ciphertexts: [PaillierCiphertext]
        do {
            ciphertexts = try PaillierKeyCodec.decodeVector(body, key: publicKey, expectedCount: expected)
        } catch {
            count("updates_refused")
            throw RoundState.Refusal(status: 400, reason: "update rejected: \(error)")
        }
        return try condition.withLock { () throws(RoundState.Refusal) -> SubmissionReceipt in
            guard var state = round, state.id == roundId else {
                counters["updates_refused", default: 0] += 1
                throw RoundState.Refusal(status: 404, reason: "round \(roundId) is not the current round")
            }
            guard let key = policy.agentKeys[agent] else {
                counters["updates_refused", default: 0] += 1
                throw RoundState.Refusal(status: 403, reason: "\(agent) is not a member agent")
            }
            guard let signature = [UInt8](hexString: signatureHex),
                  key.isValidSignature(signature, for: ContributionRecord.signedMessage(roundId: roundId, updateHash: updateHash)) else {
                counters["updates_refused", default: 0] += 1
                throw RoundState.Refusal(status: 401, reason: "the update's signature does not verify under \(agent)'s ledger key for round \(roundId)")
            }
            let duplicate = state.submissions[agent]?.updateHash == hashHex
            let effects: [RoundState.Effect]
            do throws(RoundState.Refusal) {
                effects = try state.submit(agent: agent, updateHash: hashHex, signature: signatureHex, ciphertexts: ciphertexts.count, now: clock())
            } catch {
                counters["updates_refused", default: 0] += 1
                throw error
            }
            if !duplicate {
                do {
                    try store.storeUpdate(body, round: roundId, agent: agent)
                    try store.save(state)
                    try accumulator?.add(ciphertexts)
                } catch {
                    Log.error("round.persist_failed", ["round": String(roundId), "agent": agent, "reason": "\(error)"])
                    throw RoundState.Refusal(status: 503, reason: "the coordinator could not store the update durably; retry later")
                }
                round = state
                counters["updates_accepted", default: 0] += 1
                counters["update_bytes", default: 0] += body.count
                Log.info("round.update_accepted", ["round": String(roundId), "agent": agent, "hash": String(hashHex.prefix(16))])
                perform(effects)
                condition.broadcast()
            }
            return SubmissionReceipt(roundId: roundId, agent: agent, updateHash: hashHex, status: duplicate ? "duplicate" : "accepted")
        }
    }

    /// Records that an agent declined the current round.
    public func decline(round roundId: UInt64, agent: String, reason: String) throws(RoundState.Refusal) {
        try condition.withLock { () throws(RoundState.Refusal) in
            guard var state = round, state.id == roundId else {
                throw RoundState.Refusal(status: 404, reason: "round \(roundId) is not the current round")
            }
            let effects = try state.decline(agent: agent, reason: reason, now: clock())
            do { try store.save(state) } catch {
                throw RoundState.Refusal(status: 503, reason: "the coordinator could not record the refusal durably; retry later")
            }
            round = state
            Log.warning("round.agent_declined", ["round": String(roundId), "agent": agent, "reason": reason])
            perform(effects)
            condition.broadcast()
        }
    }

    /// Advances the round on time (deadlines); the server calls this every second.
    public func tick() {
        condition.withLock {
            advanceLocked()
        }
    }

    private func advanceLocked() {
        guard var state = round else { return }
        let effects = state.tick(now: clock())
        guard !effects.isEmpty else { return }
        round = state
        try? store.save(state)
        perform(effects)
        condition.broadcast()
    }

    /// Carries out effects under the lock.
    private func perform(_ effects: [RoundState.Effect]) {
        for effect in effects {
            switch effect {
            case .closeCollection(let contributors):
                guard var state = round, let accumulator else { continue }
                let encoded = accumulator.encoded
                let hash = SHA256.hash(encoded).hexString
                do {
                    try store.storeAggregate(encoded, round: state.id)
                    state.beginDecryption(aggregateHash: hash, now: clock())
                    try store.save(state)
                    round = state
                    aggregate = accumulator.ciphertexts
                    self.accumulator = nil
                    Log.info("round.collection_closed", ["round": String(state.id), "contributors": contributors.joined(separator: ","),
                                                         "aggregate": String(hash.prefix(16))])
                } catch {
                    Log.error("round.persist_failed", ["round": String(state.id), "reason": "\(error)"])
                }
            case .combine(let parties):
                combineLocked(parties)
            case .failed(let reason):
                Log.error("round.failed", ["round": String(round?.id ?? 0), "reason": reason])
            }
        }
    }

    // MARK: Decryption

    /// Accepts a committee member's partial decryption of the current aggregate: the proof is
    /// verified against the aggregate and this round's context; the partial is stored before
    /// it is recorded. Invalid partials are recorded as invalid (and logged), never used.
    public func submitPartial(round roundId: UInt64, party: String, body: [UInt8]) throws(RoundState.Refusal) -> String {
        let (state, ciphertexts): (RoundState?, [PaillierCiphertext]?) = condition.withLock { (round, aggregate) }
        guard let state, state.id == roundId else { throw RoundState.Refusal(status: 404, reason: "round \(roundId) is not the current round") }
        guard let seat = policy.committeeSeats[party] else { throw RoundState.Refusal(status: 403, reason: "\(party) is not on the decryption committee") }
        guard state.stage == .decrypting, let ciphertexts, let aggregateHash = state.aggregateHash else {
            throw RoundState.Refusal(status: 409, reason: "round \(roundId) is not decrypting (stage \(state.stage.rawValue))")
        }
        let partial: PartialDecryption
        do {
            partial = try ThresholdKeyCodec.decodePartialDecryption(body, key: thresholdKey)
        } catch {
            throw RoundState.Refusal(status: 400, reason: "malformed partial decryption: \(error)")
        }
        guard partial.partyId == seat else {
            throw RoundState.Refusal(status: 403, reason: "\(party) holds seat \(seat), not \(partial.partyId)")
        }
        let shareHash = SHA256.hash(body).hexString
        var verified: VerifiedPartialDecryption?
        var failure: String?
        do {
            let context = try DecryptionContext(roundId: String(roundId), aggregateHash: [UInt8](hexString: aggregateHash) ?? [])
            verified = try thresholdKey.verify(partial, of: ciphertexts, context: context)
        } catch {
            failure = "\(error)"
        }
        return try condition.withLock { () throws(RoundState.Refusal) -> String in
            guard var current = round, current.id == roundId else { throw RoundState.Refusal(status: 404, reason: "round \(roundId) ended") }
            if verified != nil {
                do { try store.storePartial(body, round: roundId, party: party) } catch {
                    throw RoundState.Refusal(status: 503, reason: "the coordinator could not store the partial decryption; retry later")
                }
            }
            let effects = try current.receivePartial(party: party, shareHash: shareHash, valid: verified != nil, reason: failure, now: clock())
            do { try store.save(current) } catch {
                throw RoundState.Refusal(status: 503, reason: "the coordinator could not record the partial decryption; retry later")
            }
            round = current
            if let verified { verifiedPartials[party] = verified }
            if let failure {
                counters["partials_invalid", default: 0] += 1
                Log.warning("round.partial_invalid", ["round": String(roundId), "party": party, "reason": failure])
            } else {
                counters["partials_valid", default: 0] += 1
                Log.info("round.partial_accepted", ["round": String(roundId), "party": party])
            }
            perform(effects)
            condition.broadcast()
            if let failure { throw RoundState.Refusal(status: 422, reason: "partial decryption rejected: \(failure)") }
            return shareHash
        }
    }

    /// Combines the chosen valid partials, decodes the sums with the actual contributor count,
    /// and hands them to the applier; any failure fails the round (nothing half-applied).
    private func combineLocked(_ parties: [String]) {
        guard var state = round, let task else { return }
        do {
            let chosen = try parties.map { party -> VerifiedPartialDecryption in
                guard let verified = verifiedPartials[party] else {
                    throw ApiaryError(.notFound, "the verified partial of \(party) is not in memory")
                }
                return verified
            }
            let decryption = try thresholdKey.combine(chosen)
            let codec = try PackedCodec(layout: try task.packing.layout(), encoding: .signedInteger)
            let sums = try codec.decodeIntegers(decryption.plaintexts, count: task.valueCount, contributors: state.contributors.count)
            let (modelHash, next) = try applier.apply(round: state, task: task, sums: sums)
            state.markApplied(modelHash: modelHash, now: clock())
            try store.save(state)
            round = state
            lastResult = sums
            Log.info("round.applied", ["round": String(state.id), "parties": parties.joined(separator: ","),
                                       "contributors": String(state.contributors.count), "model": String(modelHash.prefix(16))])
            pendingNext = next
        } catch {
            Log.error("round.combine_failed", ["round": String(state.id), "reason": "\(error)"])
            perform(state.fail("combination failed: \(error)", now: clock()))
            round = state
            try? store.save(state)
        }
    }

    /// After a restart in the decrypting stage: reload the aggregate and re-verify stored partials.
    private func reloadDecryption(_ state: RoundState, task: UpdateTask) throws {
        guard let bytes = try store.aggregate(round: state.id) else {
            throw ApiaryError(.notFound, "round \(state.id) is decrypting but its aggregate is missing; restore the state directory from backup")
        }
        let ciphertexts = try PaillierKeyCodec.decodeVector(bytes, key: publicKey, expectedCount: task.ciphertextCount)
        aggregate = ciphertexts
        guard let aggregateHash = state.aggregateHash else { return }
        let context = try DecryptionContext(roundId: String(state.id), aggregateHash: [UInt8](hexString: aggregateHash) ?? [])
        for (party, partial) in state.partials where partial.valid {
            guard let body = try store.partial(round: state.id, party: party) else { continue }
            verifiedPartials[party] = try thresholdKey.verify(try ThresholdKeyCodec.decodePartialDecryption(body, key: thresholdKey),
                                                               of: ciphertexts, context: context)
        }
    }

    /// Marks the applied round committed at `ledgerIndex` and opens the applier's next task, if any.
    public func completeRound(ledgerIndex: UInt64) throws {
        let next: UpdateTask? = try condition.withLock {
            guard var state = round, state.stage == .applied else {
                throw ApiaryError(.conflict, "no applied round to commit")
            }
            state.markCommitted(ledgerIndex: ledgerIndex, now: clock())
            try store.save(state)
            round = state
            Log.info("round.committed", ["round": String(state.id), "ledger_index": String(ledgerIndex)])
            defer { pendingNext = nil }
            return pendingNext
        }
        if let next { try openRound(next) }
    }

    /// The decoded sums of the last applied round (for tests and the dashboard).
    public var lastSums: [Int64]? { condition.withLock { lastResult } }

    private func count(_ name: String) { condition.withLock { counters[name, default: 0] += 1 } }
}

extension NSCondition {
    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
