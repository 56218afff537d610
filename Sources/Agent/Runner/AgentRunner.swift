import Foundation
import Shared

/// One institution's agent: polls the coordinator, contributes to rounds within its own
/// privacy budget, and partially decrypts only aggregates it has recomputed itself.
public final class AgentRunner: @unchecked Sendable {
    /// What one poll led to.
    public enum Outcome: Equatable, Sendable {
        case idle(String)
        case submitted(round: UInt64, status: String)
        case declined(round: UInt64, reason: String)
        case decrypted(round: UInt64)
        case refusedToDecrypt(round: UInt64, reason: String)
        case cosigned(treeSize: UInt64)
    }

    public let name: String
    private let transport: any HTTPTransport
    private let ledgerKey: Ed25519PrivateKey
    private let share: ThresholdKeyShare?
    private let paillier: PaillierPublicKey
    private let memberKeys: [String: Ed25519PublicKey]
    private let budget: PrivacyBudgetLedger
    private let store: AgentStore
    private let computation: any LocalComputation
    private let random: any RandomSource
    /// The ledger replica and co-signer (nil: this agent does not co-sign).
    public var cosigner: LedgerCosigner?

    public init(name: String, transport: any HTTPTransport, ledgerKey: Ed25519PrivateKey, share: ThresholdKeyShare?,
                paillier: PaillierPublicKey, memberKeys: [String: Ed25519PublicKey], budget: PrivacyBudgetLedger,
                store: AgentStore, computation: any LocalComputation, random: any RandomSource = SystemRandom()) {
        self.name = name
        self.transport = transport
        self.ledgerKey = ledgerKey
        self.share = share
        self.paillier = paillier
        self.memberKeys = memberKeys
        self.budget = budget
        self.store = store
        self.computation = computation
        self.random = random
    }

    /// Polls once (waiting up to `wait` seconds for work) and carries out the task.
    public func runOnce(wait: Double = 25) throws -> Outcome {
        let response = try transport.send(HTTPRequest(method: "GET", target: "/v1/tasks/next?wait=\(Int(wait))"))
        guard response.status == 200 else { throw coordinatorError(response, "polling for a task") }
        let envelope = try ProtocolJSON.decode(TaskEnvelopeMessage.self, from: response.body, what: "task")
        switch envelope.kind {
        case "update":
            guard let task = envelope.update else { throw ApiaryError(.protocolViolation, "update task without its body") }
            return try contribute(task)
        case "decrypt":
            guard let task = envelope.decrypt else { throw ApiaryError(.protocolViolation, "decrypt task without its body") }
            return try decrypt(task)
        case "cosign":
            guard let head = envelope.cosignHead else { throw ApiaryError(.protocolViolation, "cosign task without a head") }
            guard let cosigner else { return .idle("this agent does not co-sign") }
            return .cosigned(treeSize: try cosigner.cosign(headHex: head))
        default:
            return .idle(envelope.note ?? "nothing to do")
        }
    }

    /// Polls until `stop()` returns true, backing off with jitter while the coordinator is unreachable.
    public func run(stop: @Sendable () -> Bool, wait: Double = 25) {
        var failures = 0
        let retry = RetryPolicy(attempts: .max, baseDelay: 0.5, maxDelay: 30)
        while !stop() {
            do {
                let outcome = try runOnce(wait: wait)
                failures = 0
                if case .idle = outcome { continue }
                Log.info("agent.step", ["agent": name, "outcome": "\(outcome)"])
            } catch let error as ApiaryError where error.code == .forkDetected {
                // A rewritten or forked ledger: stop loudly, never keep contributing.
                Log.error("agent.ledger_fork", ["agent": name, "reason": error.reason])
                return
            } catch {
                let delay = retry.delay(attempt: failures)
                failures += 1
                Log.warning("agent.retry", ["agent": name, "reason": "\(error)", "delay_s": String(format: "%.2f", delay)])
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }

    // MARK: Contributing

    private func contribute(_ task: UpdateTask) throws -> Outcome {
        let update: (body: [UInt8], signature: String)
        if let prepared = try store.preparedUpdate(round: task.roundId) {
            update = prepared  // resend exactly what was prepared before a restart
        } else {
            // The cost comes from the noise this agent will add, and must match what the task declares.
            let cost = try computation.privacyCost(of: task)
            guard cost == task.privacyCost else {
                throw ApiaryError(.protocolViolation, "round \(task.roundId) declares a privacy cost that differs from the noise its step adds; refusing the task")
            }
            // The budget is checked and charged by this agent's own accountant before any row is read.
            do {
                _ = try budget.charge(taskID: "round-\(task.roundId)", curve: try cost.rdpCurve())
            } catch let error as ApiaryError where error.code == .budgetExceeded {
                Log.warning("agent.budget_refused", ["agent": name, "round": String(task.roundId), "reason": error.reason])
                let body = try ProtocolJSON.encode(["reason": "privacy budget: \(error.reason)"])
                let response = try transport.send(HTTPRequest(method: "POST", target: "/v1/rounds/\(task.roundId)/decline", body: body))
                guard response.status == 200 else { throw coordinatorError(response, "declining round \(task.roundId)") }
                return .declined(round: task.roundId, reason: error.reason)
            }
            guard task.packing.modulusBits == paillier.modulusBits else {
                throw ApiaryError(.protocolViolation, "task packs for a \(task.packing.modulusBits)-bit key; the consortium key has \(paillier.modulusBits)")
            }
            try store.saveTask(task)
            let vector = try computation.noisyVector(for: task, random: random)
            guard vector.count == task.valueCount else {
                throw ApiaryError(.protocolViolation, "local computation produced \(vector.count) values, task wants \(task.valueCount)")
            }
            let codec = try PackedCodec(layout: try task.packing.layout(), encoding: .signedInteger)
            let plaintexts = try codec.encode(integers: vector)
            guard plaintexts.count == task.ciphertextCount else {
                throw ApiaryError(.protocolViolation, "\(plaintexts.count) plaintexts do not match the task's \(task.ciphertextCount) ciphertexts")
            }
            let body = PaillierKeyCodec.encode(try paillier.encrypt(plaintexts), key: paillier)
            let signature = try ledgerKey.signature(for: ContributionRecord.signedMessage(roundId: task.roundId, updateHash: SHA256.hash(body)))
            update = (body, signature.hexString)
            try store.savePreparedUpdate(round: task.roundId, body: body, signature: update.signature)
        }
        var request = HTTPRequest(method: "POST", target: "/v1/rounds/\(task.roundId)/updates", body: update.body)
        request.headers.add("Content-Type", "application/octet-stream")
        request.headers.add("X-Apiary-Signature", update.signature)
        let response = try transport.send(request)
        guard response.status == 200 else { throw coordinatorError(response, "submitting the update for round \(task.roundId)") }
        let receipt = try ProtocolJSON.decode([String: ReceiptField].self, from: response.body, what: "receipt")
        return .submitted(round: task.roundId, status: receipt["status"]?.text ?? "accepted")
    }

    /// Called for every round commitment this agent co-signed: replaces its worst-case budget
    /// charge (at the quorum) by the actual cost with the committed number of contributors, so
    /// its epsilon equals the coordinator's and the ledger's.
    public func settleBudget(for commitment: RoundCommitmentEntry) {
        guard commitment.contributions.contains(where: { $0.partyId == name }) else { return }
        do {
            guard let task = try store.task(round: commitment.roundId) else { return }
            let cost = try computation.privacyCost(of: task, contributors: commitment.contributions.count)
            let spent = try budget.settle(taskID: "round-\(commitment.roundId)", actualCurve: try cost.rdpCurve())
            Log.info("agent.budget_settled", ["agent": name, "round": String(commitment.roundId),
                                              "contributors": String(commitment.contributions.count), "spent_epsilon": String(format: "%.4f", spent)])
        } catch {
            Log.warning("agent.budget_settle_failed", ["agent": name, "round": String(commitment.roundId), "reason": "\(error)"])
        }
    }

    // MARK: Decrypting

    private func decrypt(_ task: DecryptTask) throws -> Outcome {
        guard let share else { return .refusedToDecrypt(round: task.roundId, reason: "this agent holds no key share") }
        func refuse(_ reason: String) -> Outcome {
            Log.error("agent.decryption_refused", ["agent": name, "round": String(task.roundId), "reason": reason])
            return .refusedToDecrypt(round: task.roundId, reason: reason)
        }
        if let (record, partial) = try store.decryption(round: task.roundId) {
            guard record.aggregateHash == task.aggregateHash else {
                return refuse("already decrypted aggregate \(record.aggregateHash.prefix(16)) in this round; refusing a second one (differencing attack)")
            }
            if let partial { return try sendPartial(partial, round: task.roundId) }
        }
        let contributors = Set(task.contributions.map(\.agent))
        guard contributors.count == task.contributions.count, contributors.count >= task.quorum, task.quorum >= 1 else {
            return refuse("the aggregate lists \(contributors.count) distinct contributors, fewer than the quorum of \(task.quorum)")
        }
        var sum = CiphertextAccumulator(publicKey: paillier, count: task.ciphertextCount)
        for contribution in task.contributions {
            guard PartyName.isSafe(contribution.agent), let key = memberKeys[contribution.agent] else {
                return refuse("\(contribution.agent) is not a member agent")
            }
            let response = try transport.send(HTTPRequest(method: "GET", target: "/v1/rounds/\(task.roundId)/updates/\(contribution.agent)"))
            guard response.status == 200 else { throw coordinatorError(response, "fetching \(contribution.agent)'s update") }
            let hash = SHA256.hash(response.body)
            guard hash.hexString == contribution.updateHash else { return refuse("\(contribution.agent)'s update does not match its listed hash") }
            guard let signature = [UInt8](hexString: contribution.signature),
                  key.isValidSignature(signature, for: ContributionRecord.signedMessage(roundId: task.roundId, updateHash: hash)) else {
                return refuse("\(contribution.agent)'s update is not signed by it for round \(task.roundId)")
            }
            try sum.add(try PaillierKeyCodec.decodeVector(response.body, key: paillier, expectedCount: task.ciphertextCount))
        }
        guard sum.hash == task.aggregateHash else {
            return refuse("the product of the listed updates does not match the aggregate the coordinator asked to decrypt")
        }
        try store.recordDecryption(AgentStore.DecryptionRecord(roundId: task.roundId, aggregateHash: task.aggregateHash))
        let partial = try share.partiallyDecrypt(sum.ciphertexts, context: try task.context())
        let bytes = try ThresholdKeyCodec.encode(partial, key: share.publicKey)
        try store.savePartial(round: task.roundId, bytes: bytes)
        return try sendPartial(bytes, round: task.roundId)
    }

    private func sendPartial(_ bytes: [UInt8], round: UInt64) throws -> Outcome {
        let response = try transport.send(HTTPRequest(method: "POST", target: "/v1/rounds/\(round)/partials", body: bytes))
        if response.status == 409, response.bodyText.contains("not decrypting") { return .idle("round \(round) no longer decrypting") }
        guard response.status == 200 else { throw coordinatorError(response, "sending the partial decryption for round \(round)") }
        return .decrypted(round: round)
    }

    private func coordinatorError(_ response: HTTPResponse, _ what: String) -> ApiaryError {
        ApiaryError(.protocolViolation, "coordinator answered \(response.status) when \(what): \(response.bodyText.prefix(300))")
    }
}

/// The agent's view of a task envelope (decoded independently of the coordinator's type).
struct TaskEnvelopeMessage: Decodable {
    var kind: String
    var roundId: UInt64?
    var update: UpdateTask?
    var decrypt: DecryptTask?
    var cosignHead: String?
    var note: String?
}

/// A JSON value that is either text or something else (receipts are flat objects).
struct ReceiptField: Decodable {
    let text: String?
    init(from decoder: any Decoder) throws {
        text = try? decoder.singleValueContainer().decode(String.self)
    }
}
