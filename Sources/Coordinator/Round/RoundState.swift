import Foundation
import Shared

/// One round of the protocol as an I/O-free state machine.
///
/// The server only moves bytes and time: it calls a transition with what arrived and the
/// current time, persists the new value, and performs the returned effects. Every transition
/// checks the round's thresholds itself, so the same rules hold whether the round is driven by
/// the HTTPS server, the in-memory transport or a test. Stages:
///
///     open -> collecting -> decrypting -> applied -> committed
///       \________\______________\______________________-> failed(reason)
///
/// - collecting ends when every expected agent has submitted or refused, or when the deadline
///   has passed with at least `quorum` updates; without quorum by `failAfter` the round fails.
/// - decrypting ends when `threshold` valid partial decryptions have arrived; without them by
///   `decryptionDeadline` the round fails.
public struct RoundState: Codable, Sendable, Equatable {
    public enum Stage: String, Codable, Sendable { case open, collecting, decrypting, applied, committed, failed }

    /// What the driver must do after a transition.
    public enum Effect: Equatable, Sendable {
        /// Stop accepting updates: finalise the aggregate of `contributors`, then call `beginDecryption`.
        case closeCollection(contributors: [String])
        /// Enough valid shares: combine those of `parties` (in this order).
        case combine(parties: [String])
        /// The round failed; start the next one if the policy says so.
        case failed(reason: String)
    }

    /// A refused request: the HTTP status to answer with and a reason for the caller.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public let status: Int
        public let reason: String
        public var description: String { reason }
    }

    /// An accepted (or idempotently repeated) update.
    public struct Submission: Codable, Sendable, Equatable {
        public let agent: String
        /// SHA-256 of the ciphertext vector's bytes, hex.
        public let updateHash: String
        /// The agent's Ed25519 signature over `UpdateSignature.message(round:updateHash:)`, hex.
        public let signature: String
        public let receivedAt: Date
    }

    /// A partial decryption received from a committee member.
    public struct Partial: Codable, Sendable, Equatable {
        public let party: String
        public let shareHash: String
        public let valid: Bool
        public let reason: String?
    }

    public let id: UInt64
    public let expectedAgents: [String]
    public let committee: [String]
    /// Least number of updates for a round to be decrypted (t_min).
    public let quorum: Int
    /// Valid partial decryptions needed to combine (t).
    public let threshold: Int
    /// Number of ciphertexts every update must have.
    public let ciphertextCount: Int
    public let openedAt: Date
    public let collectionDeadline: Date
    public let failAfter: Date
    public let decryptionTimeout: Double

    public private(set) var stage: Stage = .open
    public private(set) var submissions: [String: Submission] = [:]
    public private(set) var refusals: [String: String] = [:]
    public private(set) var contributors: [String] = []
    public private(set) var aggregateHash: String?
    public private(set) var decryptionDeadline: Date?
    public private(set) var partials: [String: Partial] = [:]
    public private(set) var combinedParties: [String] = []
    public private(set) var modelHashOut: String?
    public private(set) var ledgerIndex: UInt64?
    public private(set) var failureReason: String?
    /// When each stage was entered (for stage durations on the dashboard and /metrics).
    public private(set) var stageEnteredAt: [String: Date] = [:]

    public init(id: UInt64, expectedAgents: [String], committee: [String], quorum: Int, threshold: Int,
                ciphertextCount: Int, openedAt: Date, collectionSeconds: Double, failAfterSeconds: Double,
                decryptionTimeout: Double) throws {
        let agents = Set(expectedAgents)
        guard agents.count == expectedAgents.count, !agents.isEmpty else {
            throw ApiaryError(.invalidArgument, "a round needs distinct expected agents")
        }
        guard quorum >= 1, quorum <= agents.count else {
            throw ApiaryError(.invalidArgument, "quorum \(quorum) must be between 1 and the \(agents.count) expected agents")
        }
        guard threshold >= 1, threshold <= committee.count, Set(committee).count == committee.count else {
            throw ApiaryError(.invalidArgument, "decryption threshold \(threshold) must be between 1 and the \(committee.count) distinct committee members")
        }
        guard ciphertextCount >= 1 else { throw ApiaryError(.invalidArgument, "a round needs at least one ciphertext per update") }
        guard collectionSeconds > 0, failAfterSeconds >= collectionSeconds, decryptionTimeout > 0 else {
            throw ApiaryError(.invalidArgument, "round deadlines must be positive and the failure deadline not before the collection deadline")
        }
        self.id = id
        self.expectedAgents = expectedAgents.sorted()
        self.committee = committee.sorted()
        self.quorum = quorum
        self.threshold = threshold
        self.ciphertextCount = ciphertextCount
        self.openedAt = openedAt
        self.collectionDeadline = openedAt.addingTimeInterval(collectionSeconds)
        self.failAfter = openedAt.addingTimeInterval(failAfterSeconds)
        self.decryptionTimeout = decryptionTimeout
        stageEnteredAt[Stage.open.rawValue] = openedAt
    }

    /// Whether the round accepts updates.
    public var isCollecting: Bool { stage == .open || stage == .collecting }

    // MARK: Collection

    /// Records an agent's update. A repeat of the same update is accepted again (idempotent);
    /// a different update from the same agent, an unknown agent, a wrong length or a round
    /// past collection are refused and change nothing.
    public mutating func submit(agent: String, updateHash: String, signature: String, ciphertexts: Int, now: Date) throws(Refusal) -> [Effect] {
        if let existing = submissions[agent] {
            guard existing.updateHash == updateHash else {
                throw Refusal(status: 409, reason: "agent \(agent) already submitted a different update for round \(id)")
            }
            return []
        }
        guard isCollecting else {
            throw Refusal(status: 409, reason: "round \(id) is no longer collecting updates (stage \(stage.rawValue))")
        }
        guard expectedAgents.contains(agent) else {
            throw Refusal(status: 403, reason: "agent \(agent) is not expected in round \(id)")
        }
        guard refusals[agent] == nil else {
            throw Refusal(status: 409, reason: "agent \(agent) declined round \(id) and cannot submit to it")
        }
        guard ciphertexts == ciphertextCount else {
            throw Refusal(status: 400, reason: "round \(id) expects \(ciphertextCount) ciphertexts per update, got \(ciphertexts)")
        }
        submissions[agent] = Submission(agent: agent, updateHash: updateHash, signature: signature, receivedAt: now)
        enter(.collecting, at: now)
        return advance(now: now)
    }

    /// Records that an agent declined the round (for example, its privacy budget would be exceeded).
    public mutating func decline(agent: String, reason: String, now: Date) throws(Refusal) -> [Effect] {
        guard expectedAgents.contains(agent) else {
            throw Refusal(status: 403, reason: "agent \(agent) is not expected in round \(id)")
        }
        guard submissions[agent] == nil else {
            throw Refusal(status: 409, reason: "agent \(agent) already submitted to round \(id)")
        }
        guard isCollecting else { return [] }
        refusals[agent] = reason
        return advance(now: now)
    }

    /// Advances on time alone: deadlines for collection and decryption.
    public mutating func tick(now: Date) -> [Effect] { advance(now: now) }

    // MARK: Decryption

    /// Moves to decryption once the driver has finalised the aggregate of `contributors`.
    public mutating func beginDecryption(aggregateHash: String, now: Date) {
        precondition(stage == .collecting && !contributors.isEmpty && self.aggregateHash == nil, "beginDecryption out of order")
        self.aggregateHash = aggregateHash
        decryptionDeadline = now.addingTimeInterval(decryptionTimeout)
        enter(.decrypting, at: now)
    }

    /// Records a committee member's partial decryption and whether its proof verified.
    public mutating func receivePartial(party: String, shareHash: String, valid: Bool, reason: String? = nil, now: Date) throws(Refusal) -> [Effect] {
        guard committee.contains(party) else {
            throw Refusal(status: 403, reason: "\(party) is not on the decryption committee")
        }
        if let existing = partials[party], existing.valid {
            guard existing.shareHash == shareHash else {
                throw Refusal(status: 409, reason: "\(party) already sent a different valid partial decryption for round \(id)")
            }
            return []
        }
        guard stage == .decrypting else {
            throw Refusal(status: 409, reason: "round \(id) is not decrypting (stage \(stage.rawValue))")
        }
        partials[party] = Partial(party: party, shareHash: shareHash, valid: valid, reason: reason)
        return advance(now: now)
    }

    /// Records the combined, decoded and applied aggregate.
    public mutating func markApplied(modelHash: String, now: Date) {
        precondition(stage == .decrypting && !combinedParties.isEmpty, "markApplied out of order")
        modelHashOut = modelHash
        enter(.applied, at: now)
    }

    /// Records the ledger entry that commits the round.
    public mutating func markCommitted(ledgerIndex: UInt64, now: Date) {
        precondition(stage == .applied, "markCommitted out of order")
        self.ledgerIndex = ledgerIndex
        enter(.committed, at: now)
    }

    /// Fails the round for a reason found by the driver (for example, combination failed).
    public mutating func fail(_ reason: String, now: Date) -> [Effect] {
        guard stage != .committed, stage != .failed else { return [] }
        failureReason = reason
        enter(.failed, at: now)
        return [.failed(reason: reason)]
    }

    // MARK: Rules

    private mutating func advance(now: Date) -> [Effect] {
        switch stage {
        case .open, .collecting:
            let answered = submissions.count + refusals.count
            let allAnswered = answered == expectedAgents.count
            if submissions.count >= quorum, allAnswered || now >= collectionDeadline {
                contributors = submissions.keys.sorted()
                if stage == .open { enter(.collecting, at: now) }
                return [.closeCollection(contributors: contributors)]
            }
            if submissions.count + (expectedAgents.count - answered) < quorum {
                return fail("quorum of \(quorum) cannot be reached: \(submissions.count) updates, \(refusals.count) declined", now: now)
            }
            if now >= failAfter {
                return fail("quorum of \(quorum) not reached by the deadline: \(submissions.count) updates", now: now)
            }
            return []
        case .decrypting:
            guard combinedParties.isEmpty else { return [] }
            let valid = partials.values.filter(\.valid).map(\.party).sorted()
            if valid.count >= threshold {
                combinedParties = Array(valid.prefix(threshold))
                return [.combine(parties: combinedParties)]
            }
            if let decryptionDeadline, now >= decryptionDeadline {
                return fail("only \(valid.count) of \(threshold) valid partial decryptions by the deadline", now: now)
            }
            return []
        case .applied, .committed, .failed:
            return []
        }
    }

    private mutating func enter(_ next: Stage, at now: Date) {
        guard stage != next else { return }
        stage = next
        stageEnteredAt[next.rawValue] = now
    }
}
