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
        /// Institutions holding threshold key shares.
        public var committee: [String]
        public var quorum: Int
        public var threshold: Int
        public var collectionSeconds: Double
        public var failAfterSeconds: Double
        public var decryptionTimeout: Double

        public init(agentKeys: [String: Ed25519PublicKey], committee: [String], quorum: Int, threshold: Int,
                    collectionSeconds: Double = 300, failAfterSeconds: Double = 3_600, decryptionTimeout: Double = 600) {
            self.agentKeys = agentKeys
            self.committee = committee
            self.quorum = quorum
            self.threshold = threshold
            self.collectionSeconds = collectionSeconds
            self.failAfterSeconds = failAfterSeconds
            self.decryptionTimeout = decryptionTimeout
        }
    }

    public let policy: Policy
    public let publicKey: PaillierPublicKey
    public let store: RoundStore
    private let clock: @Sendable () -> Date
    private let condition = NSCondition()
    private var round: RoundState?
    private var task: UpdateTask?
    private var accumulator: CiphertextAccumulator?
    private var counters: [String: Int] = [:]

    /// Creates the engine and resumes the round in progress from `store`, if any.
    public init(policy: Policy, publicKey: PaillierPublicKey, store: RoundStore, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        self.policy = policy
        self.publicKey = publicKey
        self.store = store
        self.clock = clock
        if let (state, task) = try store.current() {
            self.round = state
            self.task = task
            if state.isCollecting {
                accumulator = try rebuildAccumulator(state, task: task)
            }
            Log.info("round.resumed", ["round": String(state.id), "stage": state.stage.rawValue,
                                       "updates": String(state.submissions.count)])
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
            let state = try RoundState(id: task.roundId, expectedAgents: policy.agentKeys.keys.sorted(), committee: policy.committee,
                                       quorum: policy.quorum, threshold: policy.threshold, ciphertextCount: task.ciphertextCount,
                                       openedAt: now, collectionSeconds: policy.collectionSeconds,
                                       failAfterSeconds: policy.failAfterSeconds, decryptionTimeout: policy.decryptionTimeout)
            try store.begin(state, task: task)
            round = state
            self.task = task
            accumulator = CiphertextAccumulator(publicKey: publicKey, count: task.ciphertextCount)
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
            while true {
                advanceLocked()
                let envelope = envelopeLocked(for: agent)
                if envelope.kind != .wait || Date() >= deadline { return envelope }
                _ = condition.wait(until: deadline)
            }
        }
    }

    private func envelopeLocked(for agent: String) -> TaskEnvelope {
        guard let round, let task else { return .wait("no round is open") }
        if round.isCollecting {
            if round.submissions[agent] != nil { return .wait("update received; waiting for the round to close", round: round.id) }
            if round.refusals[agent] != nil { return .wait("declined this round", round: round.id) }
            return TaskEnvelope(kind: .update, roundId: round.id, update: task, note: nil)
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
                    self.accumulator = nil
                    Log.info("round.collection_closed", ["round": String(state.id), "contributors": contributors.joined(separator: ","),
                                                         "aggregate": String(hash.prefix(16))])
                } catch {
                    Log.error("round.persist_failed", ["round": String(state.id), "reason": "\(error)"])
                }
            case .combine(let parties):
                Log.info("round.combine", ["round": String(round?.id ?? 0), "parties": parties.joined(separator: ",")])
            case .failed(let reason):
                Log.error("round.failed", ["round": String(round?.id ?? 0), "reason": reason])
            }
        }
    }

    private func count(_ name: String) { condition.withLock { counters[name, default: 0] += 1 } }
}

extension NSCondition {
    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
