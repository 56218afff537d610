import Foundation
import Testing
import AgentKit
@testable import CoordinatorKit
import Shared

/// A fixed vector per agent (noise-free, so sums are exact): stands in for a generator step.
struct FixedComputation: LocalComputation {
    let values: [Int64]
    func privacyCost(of task: UpdateTask) throws -> PrivacyCost { PrivacyCost(mechanisms: [.skellam(mu: 1e6, l1: 1, l2: 1)]) }
    func privacyCost(of task: UpdateTask, contributors: Int) throws -> PrivacyCost { try privacyCost(of: task) }
    func noisyVector(for task: UpdateTask, random: any RandomSource) throws -> [Int64] { values }
}

@Suite("A whole round over the in-memory transport: agents and coordinator")
struct InMemoryRoundTests {
    func peer(_ name: String) -> PeerIdentity {
        PeerIdentity(name: name, role: .agent, consortium: "test", fingerprint: String(repeating: "0", count: 64))
    }

    func agent(_ name: String, router: CoordinatorRouter, fixture: EngineFixture, values: [Int64], epsilon: Double = 10) throws -> AgentRunner {
        let store = try AgentStore(root: fixture.directory + "/agents/\(name)")
        let budget = try PrivacyBudgetLedger(fileURL: store.budgetFile, budget: try PrivacyBudget(epsilon: epsilon, delta: 1e-5))
        let keys = Dictionary(uniqueKeysWithValues: EngineFixture.agents.map { ($0, EngineFixture.ledgerKey($0).publicKey) })
        return AgentRunner(name: name, transport: InMemoryTransport(handler: router, peer: peer(name)),
                           ledgerKey: EngineFixture.ledgerKey(name), share: EngineFixture.share(name), paillier: EngineFixture.publicKey,
                           memberKeys: keys, budget: budget, store: store, computation: FixedComputation(values: values))
    }

    @Test("agents contribute and decrypt; an over-budget agent declines; the decoded sum is exact")
    func fullRound() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil))
        try engine.openRound(try fixture.task())
        let a = (0..<60).map { Int64($0) }, b = (0..<60).map { Int64(-3 * $0) }
        let bankA = try agent("bank-a", router: router, fixture: fixture, values: a)
        let bankB = try agent("bank-b", router: router, fixture: fixture, values: b)
        // A tiny budget: one round of this task (Skellam, mu 1e6 at quorum, sensitivity 1) costs
        // about epsilon 0.01 at delta 1e-5, more than this agent allows.
        let clinic = try agent("clinic-c", router: router, fixture: fixture, values: a, epsilon: 0.0001)

        #expect(try bankA.runOnce(wait: 0) == .submitted(round: 1, status: "accepted"))
        let clinicOutcome = try clinic.runOnce(wait: 0)
        guard case .declined(round: 1, _) = clinicOutcome else { Issue.record("clinic did not decline: \(clinicOutcome)"); return }
        #expect(try bankB.runOnce(wait: 0) == .submitted(round: 1, status: "accepted"))
        #expect(engine.currentRound?.stage == .decrypting)
        #expect(try bankA.runOnce(wait: 0) == .decrypted(round: 1))
        #expect(try clinic.runOnce(wait: 0) == .decrypted(round: 1))  // on the committee even without contributing
        #expect(engine.currentRound?.stage == .applied)
        #expect(engine.lastSums == zip(a, b).map { $0 + $1 })
    }

    @Test("a restarted agent resends the same update; it never decrypts a second aggregate in a round")
    func agentSafety() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil))
        try engine.openRound(try fixture.task())
        let values = (0..<60).map { Int64($0 % 7) }
        let first = try agent("bank-a", router: router, fixture: fixture, values: values)
        #expect(try first.runOnce(wait: 0) == .submitted(round: 1, status: "accepted"))
        // The same agent restarted with a computation that would now give other numbers: it
        // resends the prepared update, which the coordinator sees as a duplicate.
        let restarted = try agent("bank-a", router: router, fixture: fixture, values: values.map { $0 + 1 })
        let store = try AgentStore(root: fixture.directory + "/agents/bank-a")
        let prepared = try #require(try store.preparedUpdate(round: 1))
        var retry = HTTPRequest(method: "POST", target: "/v1/rounds/1/updates", body: prepared.body)
        retry.headers.add("X-Apiary-Signature", prepared.signature)
        #expect(try InMemoryTransport(handler: router, peer: peer("bank-a")).send(retry).status == 200)
        _ = restarted

        // A coordinator asking for a second, different aggregate in the same round is refused.
        try store.recordDecryption(AgentStore.DecryptionRecord(roundId: 1, aggregateHash: String(repeating: "ab", count: 32)))
        _ = try agent("bank-b", router: router, fixture: fixture, values: values).runOnce(wait: 0)
        _ = try agent("clinic-c", router: router, fixture: fixture, values: values).runOnce(wait: 0)
        #expect(engine.currentRound?.stage == .decrypting)
        let outcome = try restarted.runOnce(wait: 0)
        guard case .refusedToDecrypt(round: 1, let reason) = outcome else {
            Issue.record("the agent decrypted a second aggregate: \(outcome)"); return
        }
        #expect(reason.contains("second"))
    }
}
