import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("Round state machine")
struct RoundStateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func round(agents: [String] = ["a", "b", "c", "d"], quorum: Int = 3, threshold: Int = 2) throws -> RoundState {
        try RoundState(id: 7, expectedAgents: agents, committee: ["a", "b", "c"], quorum: quorum, threshold: threshold,
                       ciphertextCount: 4, openedAt: t0, collectionSeconds: 60, failAfterSeconds: 300, decryptionTimeout: 120)
    }

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    @Test("all agents submit: collection closes at once, t valid shares trigger combination, then applied and committed")
    func happyPath() throws {
        var state = try round()
        for (i, agent) in ["a", "b", "c"].enumerated() {
            #expect(try state.submit(agent: agent, updateHash: "h\(agent)", signature: "s", ciphertexts: 4, now: at(Double(i))) == [])
        }
        #expect(state.stage == .collecting)
        let effects = try state.submit(agent: "d", updateHash: "hd", signature: "s", ciphertexts: 4, now: at(5))
        #expect(effects == [.closeCollection(contributors: ["a", "b", "c", "d"])])
        state.beginDecryption(aggregateHash: "agg", now: at(6))
        #expect(state.stage == .decrypting)
        #expect(try state.receivePartial(party: "c", shareHash: "x", valid: true, now: at(7)) == [])
        #expect(try state.receivePartial(party: "a", shareHash: "y", valid: true, now: at(8)) == [.combine(parties: ["a", "c"])])
        // A late third share changes nothing.
        #expect(try state.receivePartial(party: "b", shareHash: "z", valid: true, now: at(9)) == [])
        #expect(state.combinedParties == ["a", "c"])
        state.markApplied(modelHash: "m1", now: at(10))
        state.markCommitted(ledgerIndex: 3, now: at(11))
        #expect(state.stage == .committed)
        #expect(state.stageEnteredAt["decrypting"] == at(6))
    }

    @Test("a dropped agent: the deadline closes collection once quorum is reached")
    func deadlineWithQuorum() throws {
        var state = try round()
        for agent in ["a", "b", "c"] { _ = try state.submit(agent: agent, updateHash: agent, signature: "s", ciphertexts: 4, now: at(1)) }
        #expect(state.tick(now: at(59)) == [])
        #expect(state.tick(now: at(60)) == [.closeCollection(contributors: ["a", "b", "c"])])
    }

    @Test("no quorum by the failure deadline fails the round; declines that make quorum impossible fail it early")
    func quorumFailures() throws {
        var slow = try round()
        _ = try slow.submit(agent: "a", updateHash: "a", signature: "s", ciphertexts: 4, now: at(1))
        #expect(slow.tick(now: at(120)) == [])  // past collection deadline, still waiting for quorum
        #expect(slow.tick(now: at(300)).count == 1)
        #expect(slow.stage == .failed)
        #expect(throws: RoundState.Refusal.self) { try slow.submit(agent: "b", updateHash: "b", signature: "s", ciphertexts: 4, now: at(301)) }

        var declined = try round()
        _ = try declined.decline(agent: "a", reason: "budget", now: at(1))
        let effects = try declined.decline(agent: "b", reason: "budget", now: at(2))
        #expect(declined.stage == .failed)
        #expect(effects.first.map { if case .failed = $0 { true } else { false } } == true)
    }

    @Test("declines count as answers: the rest closes collection without waiting for the deadline")
    func declineThenClose() throws {
        var state = try round()
        _ = try state.decline(agent: "d", reason: "budget exhausted", now: at(1))
        for agent in ["a", "b"] { _ = try state.submit(agent: agent, updateHash: agent, signature: "s", ciphertexts: 4, now: at(2)) }
        #expect(try state.submit(agent: "c", updateHash: "c", signature: "s", ciphertexts: 4, now: at(3)) == [.closeCollection(contributors: ["a", "b", "c"])])
        #expect(state.refusals["d"] == "budget exhausted")
    }

    @Test("duplicate, conflicting, foreign, wrong-length and late submissions")
    func refusals() throws {
        var state = try round()
        _ = try state.submit(agent: "a", updateHash: "h1", signature: "s", ciphertexts: 4, now: at(1))
        let before = state
        // The same update again is an idempotent success and changes nothing.
        #expect(try state.submit(agent: "a", updateHash: "h1", signature: "s", ciphertexts: 4, now: at(2)) == [])
        #expect(state == before)
        func refusal(_ body: (inout RoundState) throws -> Void) -> Int? {
            var copy = state
            do { try body(&copy) } catch let error as RoundState.Refusal { #expect(copy == state); return error.status } catch { return -1 }
            return nil
        }
        #expect(refusal { _ = try $0.submit(agent: "a", updateHash: "h2", signature: "s", ciphertexts: 4, now: at(3)) } == 409)
        #expect(refusal { _ = try $0.submit(agent: "z", updateHash: "h", signature: "s", ciphertexts: 4, now: at(3)) } == 403)
        #expect(refusal { _ = try $0.submit(agent: "b", updateHash: "h", signature: "s", ciphertexts: 5, now: at(3)) } == 400)
        #expect(refusal { _ = try $0.receivePartial(party: "a", shareHash: "x", valid: true, now: at(3)) } == 409)
        #expect(refusal { _ = try $0.receivePartial(party: "d", shareHash: "x", valid: true, now: at(3)) } == 403)
    }

    @Test("invalid shares are recorded and excluded; too few valid shares by the deadline fail the round")
    func invalidShares() throws {
        var state = try round(agents: ["a", "b", "c"], quorum: 2)
        for agent in ["a", "b", "c"] { _ = try state.submit(agent: agent, updateHash: agent, signature: "s", ciphertexts: 4, now: at(1)) }
        state.beginDecryption(aggregateHash: "agg", now: at(2))
        #expect(try state.receivePartial(party: "a", shareHash: "bad", valid: false, reason: "proof does not verify", now: at(3)) == [])
        #expect(try state.receivePartial(party: "b", shareHash: "ok", valid: true, now: at(4)) == [])
        // The party that sent a bad share may send a corrected one.
        #expect(try state.receivePartial(party: "a", shareHash: "good", valid: true, now: at(5)) == [.combine(parties: ["a", "b"])])

        var stalled = try round(agents: ["a", "b", "c"], quorum: 2)
        for agent in ["a", "b"] { _ = try stalled.submit(agent: agent, updateHash: agent, signature: "s", ciphertexts: 4, now: at(1)) }
        _ = stalled.tick(now: at(61))
        stalled.beginDecryption(aggregateHash: "agg", now: at(61))
        _ = try stalled.receivePartial(party: "b", shareHash: "ok", valid: true, now: at(62))
        #expect(stalled.tick(now: at(180)) == [])
        #expect(stalled.tick(now: at(181)).count == 1)
        #expect(stalled.stage == .failed)
    }

    @Test("the state survives a JSON round trip (snapshots for crash recovery)")
    func codable() throws {
        var state = try round()
        _ = try state.submit(agent: "b", updateHash: "hb", signature: "sig", ciphertexts: 4, now: at(1))
        let data = try JSONEncoder().encode(state)
        #expect(try JSONDecoder().decode(RoundState.self, from: data) == state)
    }

    @Test("impossible parameters are refused")
    func badParameters() {
        #expect(throws: ApiaryError.self) { try round(quorum: 5) }
        #expect(throws: ApiaryError.self) { try round(quorum: 0) }
        #expect(throws: ApiaryError.self) { try round(threshold: 4) }
        #expect(throws: ApiaryError.self) { try round(agents: ["a", "a"], quorum: 1) }
    }
}
