import Foundation
import Testing
import AgentKit
@testable import CoordinatorKit
import Shared

@Suite("Federated MST over the round protocol (in-memory transport)")
struct SynthesisOverProtocolTests {
    static var sampleData: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Deploy/sample-data/flchain").path
    }

    @Test("three agents run every MST round; the coordinator writes the dataset and a datasheet within the budget")
    func mstRun() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let schema = try TableSchema.load(path: Self.sampleData + "/schema.json")
        let run = try SynthesisRun(schema: schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                                   collectionSeconds: 60, stateDirectory: fixture.directory)
        let keys = Dictionary(uniqueKeysWithValues: EngineFixture.agents.map { ($0, EngineFixture.ledgerKey($0).publicKey) })
        let policy = CoordinatorEngine.Policy(agentKeys: keys, committeeSeats: EngineFixture.seats, quorum: 2)
        let engine = try CoordinatorEngine(policy: policy, thresholdKey: EngineFixture.dealing.publicKey,
                                           store: try RoundStore(root: fixture.directory + "/rounds-state"), applier: run)
        let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil))
        let files = ["institution-a.csv", "institution-b.csv", "institution-c.csv"]
        let agents = try zip(EngineFixture.agents, files).map { name, file -> AgentRunner in
            let table = try CSVReader(schema: schema).read(path: Self.sampleData + "/" + file).table
            let store = try AgentStore(root: fixture.directory + "/agents/\(name)")
            let budget = try PrivacyBudgetLedger(fileURL: store.budgetFile, budget: try PrivacyBudget(epsilon: 1.5, delta: 1e-5))
            return AgentRunner(name: name, transport: InMemoryTransport(handler: router, peer: PeerIdentity(name: name, role: .agent, consortium: "t", fingerprint: "")),
                               ledgerKey: EngineFixture.ledgerKey(name), share: EngineFixture.share(name), paillier: EngineFixture.publicKey,
                               memberKeys: keys, budget: budget, store: store, computation: GeneratorComputation(table: table, minimumQuorum: 2))
        }
        try engine.openRound(try #require(try run.nextTask(roundId: 1)))
        var rounds = 0
        for _ in 0..<40 where run.datasetDirectory == nil {
            for agent in agents { _ = try agent.runOnce(wait: 0) }
            if engine.currentRound?.stage == .applied {
                rounds += 1
                try engine.completeRound(ledgerIndex: UInt64(rounds))
            }
        }
        let folder = try #require(run.datasetDirectory)
        #expect(rounds == 2)
        let csv = try #require(try DurableFile.read(folder + "/synthetic.csv"))
        let synthetic = try CSVReader(schema: schema).read(bytes: csv, name: "synthetic.csv").table
        #expect(synthetic.rowCount > 4_000 && synthetic.rowCount < 6_500)
        let datasheet = try JSONSerialization.jsonObject(with: Data(try #require(try DurableFile.read(folder + "/datasheet.json")))) as? [String: Any]
        let privacy = datasheet?["privacy"] as? [String: Any]
        let epsilon = try #require(privacy?["epsilon"] as? Double)
        // Three contributors carry more noise than the quorum of two the plan was sized for.
        #expect(epsilon < 1.0 && epsilon > 0.3)
        #expect((datasheet?["contributors"] as? [String])?.count == 3)
        // Each agent's own accountant agrees with what it was charged: two rounds, within its budget.
        let ledger = try PrivacyBudgetLedger(fileURL: try AgentStore(root: fixture.directory + "/agents/bank-a").budgetFile,
                                             budget: try PrivacyBudget(epsilon: 1.5, delta: 1e-5))
        #expect(ledger.charges.count == 2)
        #expect(ledger.spentEpsilon <= 1.0 + 1e-6)
    }
}
