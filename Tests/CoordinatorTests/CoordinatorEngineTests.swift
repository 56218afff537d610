import Foundation
import Testing
@testable import CoordinatorKit
import Shared

/// A tiny consortium for engine tests: a 512-bit key, three agents with ledger keys.
struct EngineFixture {
    static let key = try! PaillierKeyGenerator.generate(modulusBits: 512, using: SeededRandom(seed: 606))
    static let agents = ["bank-a", "bank-b", "clinic-c"]
    static func ledgerKey(_ agent: String) -> Ed25519PrivateKey {
        try! Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("engine-test:\(agent)".utf8)))
    }

    let directory: String
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-engine-\(UUID().uuidString)").path
    }

    func engine(now: Date? = nil) throws -> CoordinatorEngine {
        let keys = Dictionary(uniqueKeysWithValues: Self.agents.map { ($0, Self.ledgerKey($0).publicKey) })
        let policy = CoordinatorEngine.Policy(agentKeys: keys, committee: Self.agents, quorum: 2, threshold: 2,
                                              collectionSeconds: 60, failAfterSeconds: 600, decryptionTimeout: 60)
        let fixed = now ?? t0
        return try CoordinatorEngine(policy: policy, publicKey: Self.key.publicKey, store: try RoundStore(root: directory), clock: { fixed })
    }

    func task(round: UInt64 = 1) throws -> UpdateTask {
        UpdateTask(roundId: round, step: GeneratorStep(generator: "marginals", name: "counts", parameters: "{}"), valueCount: 3,
                   ciphertextCount: 3, packing: PackingSpec(modulusBits: 512, valueBits: 16, maxSummands: 8),
                   noiseShareMu: try RationalText(numerator: 5, denominator: 1), quorum: 2,
                   privacyCost: PrivacyCost(mechanism: "skellam", mu: 10, l1: 1, l2: 1), deadline: t0.addingTimeInterval(60), modelHashIn: nil)
    }

    /// An update of three ciphertexts encrypting `values`, and its signature for `round`.
    func update(_ agent: String, values: [UInt64], round: UInt64 = 1) throws -> (body: [UInt8], signature: String) {
        let ciphertexts = try values.map { try Self.key.publicKey.encrypt(BigUInt($0)) }
        let body = PaillierKeyCodec.encode(ciphertexts, key: Self.key.publicKey)
        let signature = try Self.ledgerKey(agent).signature(for: ContributionRecord.signedMessage(roundId: round, updateHash: SHA256.hash(body)))
        return (body, signature.hexString)
    }
}

@Suite("Coordinator engine: collection, refusals, restart")
struct CoordinatorEngineTests {
    func status(_ body: () throws -> Void) -> Int? {
        do { try body(); return nil } catch let refusal as RoundState.Refusal { return refusal.status } catch { return -1 }
    }

    @Test("signed updates are accepted once, refusals change nothing, and the sum survives a restart without double counting")
    func collectionAndRestart() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        try engine.openRound(try fixture.task())
        #expect(engine.nextTask(for: "bank-a", wait: 0).kind == .update)

        let a = try fixture.update("bank-a", values: [1, 2, 3])
        #expect(try engine.submitUpdate(round: 1, agent: "bank-a", body: a.body, signatureHex: a.signature).status == "accepted")
        #expect(try engine.submitUpdate(round: 1, agent: "bank-a", body: a.body, signatureHex: a.signature).status == "duplicate")
        #expect(engine.nextTask(for: "bank-a", wait: 0).kind == .wait)

        let other = try fixture.update("bank-a", values: [9, 9, 9])
        #expect(status { _ = try engine.submitUpdate(round: 1, agent: "bank-a", body: other.body, signatureHex: other.signature) } == 409)
        let b = try fixture.update("bank-b", values: [10, 20, 30])
        #expect(status { _ = try engine.submitUpdate(round: 1, agent: "bank-b", body: b.body, signatureHex: a.signature) } == 401)
        #expect(status { _ = try engine.submitUpdate(round: 2, agent: "bank-b", body: b.body, signatureHex: b.signature) } == 404)
        #expect(status { _ = try engine.submitUpdate(round: 1, agent: "mallory", body: b.body, signatureHex: b.signature) } == 403)
        let short = try fixture.update("bank-b", values: [1, 2])
        #expect(status { _ = try engine.submitUpdate(round: 1, agent: "bank-b", body: short.body, signatureHex: short.signature) } == 400)
        var outside = b.body
        for i in 11..<(11 + 128) { outside[i] = 0 }  // first ciphertext = 0, not in Z*_{n^2}
        #expect(status { _ = try engine.submitUpdate(round: 1, agent: "bank-b", body: outside, signatureHex: b.signature) } == 400)
        #expect(status { _ = try engine.submitUpdate(round: 1, agent: "bank-b", body: Array(b.body.dropLast()), signatureHex: b.signature) } == 400)
        #expect(engine.currentRound?.submissions.count == 1)

        // A crash after bank-b's file was written but before it was listed: the file is ignored.
        try RoundStore(root: fixture.directory).storeUpdate(b.body, round: 1, agent: "bank-b")

        // "Restart": a new engine over the same state directory resumes the round.
        let restarted = try fixture.engine()
        #expect(restarted.currentRound?.submissions.keys.sorted() == ["bank-a"])
        #expect(try restarted.submitUpdate(round: 1, agent: "bank-a", body: a.body, signatureHex: a.signature).status == "duplicate")
        #expect(try restarted.submitUpdate(round: 1, agent: "bank-b", body: b.body, signatureHex: b.signature).status == "accepted")
        let c = try fixture.update("clinic-c", values: [100, 200, 300])
        _ = try restarted.submitUpdate(round: 1, agent: "clinic-c", body: c.body, signatureHex: c.signature)

        let state = try #require(restarted.currentRound)
        #expect(state.stage == .decrypting)
        #expect(state.contributors == ["bank-a", "bank-b", "clinic-c"])
        let aggregateBytes = try #require(try RoundStore(root: fixture.directory).aggregate(round: 1))
        #expect(SHA256.hash(aggregateBytes).hexString == state.aggregateHash)
        let aggregate = try PaillierKeyCodec.decodeVector(aggregateBytes, key: EngineFixture.key.publicKey)
        #expect(EngineFixture.key.decrypt(aggregate, threads: 1) == [111, 222, 333].map { BigUInt(UInt64($0)) })
        #expect(status { _ = try restarted.submitUpdate(round: 1, agent: "clinic-c", body: a.body, signatureHex: a.signature) } != nil)
    }

    @Test("the deadline closes collection with quorum; a decline is recorded; long-poll waits and times out")
    func deadlinesAndDeclines() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        try engine.openRound(try fixture.task())
        try engine.decline(round: 1, agent: "clinic-c", reason: "privacy budget exhausted")
        #expect(engine.nextTask(for: "clinic-c", wait: 0).kind == .wait)
        let a = try fixture.update("bank-a", values: [1, 1, 1])
        _ = try engine.submitUpdate(round: 1, agent: "bank-a", body: a.body, signatureHex: a.signature)
        let started = Date()
        #expect(engine.nextTask(for: "bank-a", wait: 0.3).kind == .wait)
        #expect(Date().timeIntervalSince(started) >= 0.25)
        let b = try fixture.update("bank-b", values: [2, 2, 2])
        _ = try engine.submitUpdate(round: 1, agent: "bank-b", body: b.body, signatureHex: b.signature)
        #expect(engine.currentRound?.stage == .decrypting)
        #expect(engine.currentRound?.refusals["clinic-c"] == "privacy budget exhausted")
        #expect(throws: ApiaryError.self) { try engine.openRound(try fixture.task(round: 2)) }
    }
}
