import Foundation
import Testing
@testable import CoordinatorKit
import Shared

/// Records what the engine applied and proposes no further round.
struct RecordingApplier: RoundApplier {
    func apply(round: RoundState, task: UpdateTask, sums: [Int64]) throws -> (modelHash: String, next: UpdateTask?) {
        (SHA256.hash(sums.flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) }).hexString, nil)
    }
}

/// A tiny consortium for engine tests: a 512-bit 2-of-3 threshold key, three agents with ledger keys.
struct EngineFixture {
    static let dealing = try! ThresholdDealer.deal(modulusBits: 512, parties: 3, threshold: 2, using: SeededRandom(seed: 606))
    static let agents = ["bank-a", "bank-b", "clinic-c"]
    static var seats: [String: Int] { Dictionary(uniqueKeysWithValues: agents.enumerated().map { ($1, $0 + 1) }) }
    static func share(_ agent: String) -> ThresholdKeyShare { dealing.shares.first { $0.partyId == seats[agent] }! }
    static var publicKey: PaillierPublicKey { dealing.publicKey.paillier }
    static func ledgerKey(_ agent: String) -> Ed25519PrivateKey {
        try! Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("engine-test:\(agent)".utf8)))
    }

    let directory: String
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    init(directory: String? = nil) throws {
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("apiary-engine-\(UUID().uuidString)").path
    }

    func engine(now: Date? = nil, applier: any RoundApplier = RecordingApplier()) throws -> CoordinatorEngine {
        let keys = Dictionary(uniqueKeysWithValues: Self.agents.map { ($0, Self.ledgerKey($0).publicKey) })
        let policy = CoordinatorEngine.Policy(agentKeys: keys, committeeSeats: Self.seats, quorum: 2,
                                              collectionSeconds: 60, failAfterSeconds: 600, decryptionTimeout: 60)
        let fixed = now ?? t0
        return try CoordinatorEngine(policy: policy, thresholdKey: Self.dealing.publicKey, store: try RoundStore(root: directory),
                                     applier: applier, clock: { fixed })
    }

    func task(round: UInt64 = 1) throws -> UpdateTask {
        UpdateTask(roundId: round, step: GeneratorStep(generator: "marginals", name: "counts", parameters: "{}"), valueCount: 60,
                   ciphertextCount: 3, packing: PackingSpec(modulusBits: 512, valueBits: 16, maxSummands: 8),
                   quorum: 2,
                   privacyCost: PrivacyCost(mechanisms: [.skellam(mu: 1e6, l1: 1, l2: 1)]), deadline: t0.addingTimeInterval(60), modelHashIn: nil)
    }

    /// An update of three ciphertexts encrypting `values` as they are (no packing), and its signature.
    func update(_ agent: String, values: [UInt64], round: UInt64 = 1) throws -> (body: [UInt8], signature: String) {
        let ciphertexts = try values.map { try Self.publicKey.encrypt(BigUInt($0)) }
        return try signed(agent, ciphertexts, round: round)
    }

    /// An update packing 60 signed integers the way agents do (three plaintexts of 25 slots).
    func packedUpdate(_ agent: String, values: [Int64], round: UInt64 = 1) throws -> (body: [UInt8], signature: String) {
        let codec = try PackedCodec(layout: try task().packing.layout(), encoding: .signedInteger)
        let plaintexts = try codec.encode(integers: values)
        return try signed(agent, try plaintexts.map { try Self.publicKey.encrypt($0) }, round: round)
    }

    /// Every agent submits a packed update of round 1 with value(agent index, slot); returns the sums.
    func submitPackedUpdates(to engine: CoordinatorEngine, value: (Int, Int) -> Int64) throws -> [Int64] {
        var expected = [Int64](repeating: 0, count: 60)
        for (index, agent) in Self.agents.enumerated() {
            let values = (0..<60).map { value(index, $0) }
            for i in 0..<60 { expected[i] += values[i] }
            let update = try packedUpdate(agent, values: values)
            _ = try engine.submitUpdate(round: 1, agent: agent, body: update.body, signatureHex: update.signature)
        }
        return expected
    }

    func signed(_ agent: String, _ ciphertexts: [PaillierCiphertext], round: UInt64) throws -> (body: [UInt8], signature: String) {
        let body = PaillierKeyCodec.encode(ciphertexts, key: Self.publicKey)
        let signature = try Self.ledgerKey(agent).signature(for: ContributionRecord.signedMessage(roundId: round, updateHash: SHA256.hash(body)))
        return (body, signature.hexString)
    }
}

/// Copies the state directory the moment a round is applied: the disk as a process killed
/// between choosing the partials and saving the applied round would leave it.
final class SnapshotApplier: RoundApplier, @unchecked Sendable {
    let source: String
    let snapshot: String
    init(source: String, snapshot: String) {
        self.source = source
        self.snapshot = snapshot
    }
    func apply(round: RoundState, task: UpdateTask, sums: [Int64]) throws -> (modelHash: String, next: UpdateTask?) {
        if !FileManager.default.fileExists(atPath: snapshot) { try FileManager.default.copyItem(atPath: source, toPath: snapshot) }
        return try RecordingApplier().apply(round: round, task: task, sums: sums)
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
        let aggregate = try PaillierKeyCodec.decodeVector(aggregateBytes, key: EngineFixture.publicKey)
        let context = try DecryptionContext(roundId: "1", aggregateHash: [UInt8](hexString: state.aggregateHash!)!)
        let partials = try ["bank-a", "clinic-c"].map { try EngineFixture.share($0).partiallyDecrypt(aggregate, context: context, threads: 1) }
        let plain = try EngineFixture.dealing.publicKey.decrypt(partials, of: aggregate, context: context, threads: 1)
        #expect(plain.plaintexts == [111, 222, 333].map { BigUInt(UInt64($0)) })
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

@Suite("Coordinator engine: decryption, combination, restart while decrypting")
struct CoordinatorDecryptionTests {
    @Test("committee partials are verified; an invalid one is refused and excluded; t valid ones decode the exact sums")
    func decryptAndApply() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let engine = try fixture.engine()
        try engine.openRound(try fixture.task())
        let expected = try fixture.submitPackedUpdates(to: engine) { index, i in Int64((i * 37 + index * 1_001) % 4_001) - 2_000 }
        let state = try #require(engine.currentRound)
        #expect(state.stage == .decrypting)
        let task = engine.nextTask(for: "bank-b", wait: 0)
        let decrypt = try #require(task.decrypt)
        #expect(task.kind == .decrypt && decrypt.contributions.count == 3 && decrypt.aggregateHash == state.aggregateHash)

        let aggregate = try PaillierKeyCodec.decodeVector(try #require(try engine.store.aggregate(round: 1)), key: EngineFixture.publicKey)
        let context = try decrypt.context()
        func body(_ agent: String, context: DecryptionContext, of ciphertexts: [PaillierCiphertext]) throws -> [UInt8] {
            try ThresholdKeyCodec.encode(try EngineFixture.share(agent).partiallyDecrypt(ciphertexts, context: context, threads: 1),
                                         key: EngineFixture.dealing.publicKey)
        }
        // A partial bound to another round's context is refused as invalid and not counted.
        let replayed = try body("bank-a", context: try DecryptionContext(roundId: "2", aggregateHash: context.aggregateHash), of: aggregate)
        #expect(throws: RoundState.Refusal.self) { try engine.submitPartial(round: 1, party: "bank-a", body: replayed) }
        #expect(engine.currentRound?.partials["bank-a"]?.valid == false)
        // Another member's partial sent under a different name is refused.
        #expect(throws: RoundState.Refusal.self) {
            try engine.submitPartial(round: 1, party: "bank-b", body: try body("bank-a", context: context, of: aggregate))
        }
        _ = try engine.submitPartial(round: 1, party: "bank-a", body: try body("bank-a", context: context, of: aggregate))
        #expect(engine.currentRound?.stage == .decrypting)

        // Restart between the first and second valid partial: the stored partial is re-verified.
        let restarted = try fixture.engine()
        _ = try restarted.submitPartial(round: 1, party: "clinic-c", body: try body("clinic-c", context: context, of: aggregate))
        #expect(restarted.currentRound?.stage == .applied)
        #expect(restarted.currentRound?.combinedParties == ["bank-a", "clinic-c"])
        #expect(restarted.lastSums == expected)
        #expect(restarted.nextTask(for: "bank-b", wait: 0).kind == .wait)
        try restarted.completeRound(ledgerIndex: 4)
        #expect(restarted.currentRound?.stage == .committed)
        #expect(restarted.currentRound?.ledgerIndex == 4)
    }

    @Test("killed after the t-th valid partial was recorded but before the applied round was saved, a restart combines and applies")
    func restartBetweenCombineAndApplied() throws {
        let fixture = try EngineFixture()
        let snapshot = fixture.directory + "-snapshot"
        defer {
            try? FileManager.default.removeItem(atPath: fixture.directory)
            try? FileManager.default.removeItem(atPath: snapshot)
        }
        let engine = try fixture.engine(applier: SnapshotApplier(source: fixture.directory, snapshot: snapshot))
        try engine.openRound(try fixture.task())
        let expected = try fixture.submitPackedUpdates(to: engine) { index, i in Int64((i * 11 + index * 307) % 1_009) - 500 }
        let decrypt = try #require(engine.nextTask(for: "bank-a", wait: 0).decrypt)
        let aggregate = try PaillierKeyCodec.decodeVector(try #require(try engine.store.aggregate(round: 1)), key: EngineFixture.publicKey)
        for agent in ["bank-a", "bank-b"] {
            let partial = try EngineFixture.share(agent).partiallyDecrypt(aggregate, context: try decrypt.context(), threads: 1)
            _ = try engine.submitPartial(round: 1, party: agent, body: try ThresholdKeyCodec.encode(partial, key: EngineFixture.dealing.publicKey))
        }
        #expect(engine.currentRound?.stage == .applied)

        // The snapshot: both partials recorded, the combination chosen, the round not applied.
        let stopped = try #require(try RoundStore(root: snapshot).current()?.state)
        #expect(stopped.stage == .decrypting && stopped.combinedParties == ["bank-a", "bank-b"])
        let restarted = try EngineFixture(directory: snapshot).engine()
        #expect(restarted.currentRound?.stage == .applied)
        #expect(restarted.lastSums == expected)
        try restarted.completeRound(ledgerIndex: 2)
        #expect(restarted.currentRound?.stage == .committed)
    }
}
