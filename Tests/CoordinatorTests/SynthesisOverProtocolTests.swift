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

    /// A coordinator (run, engine, router) and three agents on the bundled flchain split; with
    /// `holdouts`, each agent holds a third of test.csv (row i to agent i mod 3).
    struct Consortium {
        let schema: TableSchema
        let run: SynthesisRun
        let engine: CoordinatorEngine
        let router: CoordinatorRouter
        let agents: [AgentRunner]
        /// How many times the coordinator served a candidate.
        let candidateFetches = FetchCounter()

        final class FetchCounter: @unchecked Sendable {
            private let lock = NSLockShim()
            private var count = 0
            func add() { lock.withLock { count += 1 } }
            var value: Int { lock.withLock { count } }
        }

        init(fixture: EngineFixture, qualityBudgetShare: Double = 0, holdouts: Bool = false, epsilon: Double = 1,
             qualityGate: QualityGate? = nil) throws {
            schema = try TableSchema.load(path: SynthesisOverProtocolTests.sampleData + "/schema.json")
            let run = try SynthesisRun(schema: schema, kind: .mst, epsilon: epsilon, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                                       collectionSeconds: 60, stateDirectory: fixture.directory, qualityBudgetShare: qualityBudgetShare,
                                       qualityGate: qualityGate)
            self.run = run
            let keys = Dictionary(uniqueKeysWithValues: EngineFixture.agents.map { ($0, EngineFixture.ledgerKey($0).publicKey) })
            let policy = CoordinatorEngine.Policy(agentKeys: keys, committeeSeats: EngineFixture.seats, quorum: 2)
            engine = try CoordinatorEngine(policy: policy, thresholdKey: EngineFixture.dealing.publicKey,
                                           store: try RoundStore(root: fixture.directory + "/rounds-state"), applier: run)
            let fetches = candidateFetches
            let router = CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil),
                                           candidates: { fetches.add(); return try run.candidateCSV(sha256: $0) })
            self.router = router
            let test = try CSVReader(schema: schema).read(path: SynthesisOverProtocolTests.sampleData + "/test.csv").table
            let files = ["institution-a.csv", "institution-b.csv", "institution-c.csv"]
            agents = try zip(EngineFixture.agents.indices, files).map { [schema] index, file -> AgentRunner in
                let name = EngineFixture.agents[index]
                let table = try CSVReader(schema: schema).read(path: SynthesisOverProtocolTests.sampleData + "/" + file).table
                let store = try AgentStore(root: fixture.directory + "/agents/\(name)")
                let budget = try PrivacyBudgetLedger(fileURL: store.budgetFile, budget: try PrivacyBudget(epsilon: epsilon + 0.5, delta: 1e-5))
                let transport = InMemoryTransport(handler: router, peer: PeerIdentity(name: name, role: .agent, consortium: "t", fingerprint: ""))
                let computation = GeneratorComputation(table: table, minimumQuorum: 2,
                                                       holdout: holdouts ? test.filter { $0 % 3 == index } : nil, coordinator: transport)
                return AgentRunner(name: name, transport: transport, ledgerKey: EngineFixture.ledgerKey(name), share: EngineFixture.share(name),
                                   paillier: EngineFixture.publicKey, memberKeys: keys, budget: budget, store: store, computation: computation)
            }
        }

        /// Polls every agent until the run has finished (published, or rejected by its quality
        /// gate); returns the rounds applied.
        func runToPublication() throws -> Int {
            try engine.openRound(try #require(try run.nextTask(roundId: 1)))
            var rounds = 0
            for _ in 0..<60 where !run.isFinished {
                for agent in agents { _ = try agent.runOnce(wait: 0) }
                if engine.currentRound?.stage == .applied {
                    rounds += 1
                    try engine.completeRound(ledgerIndex: UInt64(rounds))
                }
            }
            return rounds
        }

        func datasheet() throws -> [String: Any] {
            let folder = try #require(run.datasetDirectory)
            let bytes = try #require(try DurableFile.read(folder + "/datasheet.json"))
            return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        }
    }

    @Test("three agents run every MST round; the coordinator writes the dataset and a datasheet within the budget")
    func mstRun() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let consortium = try Consortium(fixture: fixture)
        let rounds = try consortium.runToPublication()
        let folder = try #require(consortium.run.datasetDirectory)
        #expect(rounds == 3)
        let csv = try #require(try DurableFile.read(folder + "/synthetic.csv"))
        let synthetic = try CSVReader(schema: consortium.schema).read(bytes: csv, name: "synthetic.csv").table
        #expect(synthetic.rowCount > 4_000 && synthetic.rowCount < 6_500)
        let datasheet = try consortium.datasheet()
        let privacy = datasheet["privacy"] as? [String: Any]
        let epsilon = try #require(privacy?["epsilon"] as? Double)
        // Three contributors carry more noise than the quorum of two the plan was sized for.
        #expect(epsilon < 1.0 && epsilon > 0.3)
        #expect((datasheet["contributors"] as? [String])?.count == 3)
        // The tree it kept: a root line and one edge per other column.
        let structure = try #require((datasheet["generator"] as? [String: Any])?["structure"] as? [String])
        #expect(structure.count == consortium.schema.columns.count && structure[0].hasSuffix(" (root)"))
        #expect(structure.dropFirst().allSatisfy { $0.contains(" <- ") })
        #expect(datasheet["quality"] == nil)
        // Each agent's own accountant agrees with what it was charged: three rounds, within its budget.
        let ledger = try PrivacyBudgetLedger(fileURL: try AgentStore(root: fixture.directory + "/agents/bank-a").budgetFile,
                                             budget: try PrivacyBudget(epsilon: 1.5, delta: 1e-5))
        #expect(ledger.charges.count == 3)
        #expect(ledger.spentEpsilon <= 1.0 + 1e-6)
    }

    @Test("quality round: agents fetch the candidate by its hash, score it on their holdouts; the datasheet carries the noisy scores")
    func qualityRound() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        // Epsilon 8: at 1, the noise on each of the 20 probability buckets (about 35 records
        // against 65 per bucket) can move the pooled AUC by 0.2, too much for a check.
        // A gate the scores pass: the candidate is published.
        let consortium = try Consortium(fixture: fixture, qualityBudgetShare: 0.1, holdouts: true, epsilon: 8,
                                        qualityGate: QualityGate(minimumColumnShapes: 0.5, minimumAUC: 0.55))
        let rounds = try consortium.runToPublication()
        #expect(rounds == 4)
        // Each agent fetched the candidate once: checked before charging, scored from its copy.
        #expect(consortium.candidateFetches.value == EngineFixture.agents.count)
        let datasheet = try consortium.datasheet()
        let quality = try #require(datasheet["quality"] as? [String: Any])
        // 1,305 holdout rows in test.csv; the record count carries the quality release's noise.
        let records = try #require(quality["records"] as? Double)
        #expect(abs(records - 1_305) < 300, "noisy holdout records \(records)")
        let shapes = try #require(quality["column_shapes"] as? Double)
        #expect(shapes > 0.8 && shapes <= 1)
        // The noise on the averages is stated: the release's deviation over the noisy record count.
        let deviation = try #require(quality["noise_sd"] as? Double)
        #expect(deviation > 0 && deviation < 0.02, "noise sd \(deviation)")
        let auc = try #require((quality["train_on_synthetic"] as? [String: Any])?["auc"] as? Double)
        #expect(auc > 0.6 && auc <= 1)
        let releases = ((datasheet["privacy"] as? [String: Any])?["releases"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(releases?.last == QualityScoreQuery.release)
        // The plan counted the quality release from the start: within budget, and charged by every agent.
        let epsilon = try #require((datasheet["privacy"] as? [String: Any])?["epsilon"] as? Double)
        #expect(epsilon < 8.0)
        for name in EngineFixture.agents {
            let ledger = try PrivacyBudgetLedger(fileURL: try AgentStore(root: fixture.directory + "/agents/\(name)").budgetFile,
                                                 budget: try PrivacyBudget(epsilon: 8.5, delta: 1e-5))
            #expect(ledger.charges.count == 4)
            #expect(ledger.spentEpsilon <= 8.0 + 1e-6)
        }
        // Once published, no candidate is served any more.
        let peer = PeerIdentity(name: "bank-a", role: .agent, consortium: "t", fingerprint: "")
        let published = try #require(consortium.run.datasetDirectory)
        let csv = try #require(try DurableFile.read(published + "/synthetic.csv"))
        let gone = consortium.router.handle(HTTPRequest(method: "GET", target: "/v1/candidates/\(SHA256.hash(csv).hexString)"), peer: peer)
        #expect(gone.status == 404)
    }

    @Test("quality round without holdouts: agents score zero records; the dataset is published without scores that would be noise")
    func qualityRoundWithoutHoldouts() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let consortium = try Consortium(fixture: fixture, qualityBudgetShare: 0.1, holdouts: false)
        #expect(try consortium.runToPublication() == 4)
        let datasheet = try consortium.datasheet()
        #expect(datasheet["quality"] == nil)
        let releases = ((datasheet["privacy"] as? [String: Any])?["releases"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(releases?.contains(QualityScoreQuery.release) == true, "the round still counts in the budget")
    }

    @Test("a quality gate the scores miss keeps the candidate from publication: the run ends, nothing is served or published")
    func qualityGateRejects() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let consortium = try Consortium(fixture: fixture, qualityBudgetShare: 0.1, holdouts: true, epsilon: 8,
                                        qualityGate: QualityGate(minimumPairTrends: 0.999))
        #expect(try consortium.runToPublication() == 4)
        #expect(consortium.run.isFinished)
        #expect(consortium.run.datasetDirectory == nil)
        let rejection = try #require(consortium.run.rejection)
        #expect(rejection.failures.count == 1 && rejection.failures[0].hasPrefix("pair trends"), "\(rejection.failures)")
        #expect(rejection.quality != nil)
        #expect(try consortium.run.nextTask(roundId: 5) == nil, "no round after a rejection")
        let datasets = try FileManager.default.contentsOfDirectory(atPath: fixture.directory + "/datasets")
        #expect(datasets.isEmpty, "nothing published: \(datasets)")
        // The candidate stays with the operator, and is no longer served to agents.
        let candidate = try #require(try DurableFile.read(fixture.directory + "/synthesis/candidates/\(rejection.dataset).csv"))
        #expect(SHA256.hash(candidate).hexString == rejection.sha256)
        #expect(rejection.csvBytes == candidate.count)
        let peer = PeerIdentity(name: "bank-a", role: .agent, consortium: "t", fingerprint: "")
        #expect(consortium.router.handle(HTTPRequest(method: "GET", target: "/v1/candidates/\(rejection.sha256)"), peer: peer).status == 404)
        // A restarted coordinator keeps the outcome.
        let resumed = try SynthesisRun(schema: consortium.schema, kind: .mst, epsilon: 8, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                                       collectionSeconds: 60, stateDirectory: fixture.directory, qualityBudgetShare: 0.1,
                                       qualityGate: QualityGate(minimumPairTrends: 0.999))
        #expect(resumed.rejection == rejection)
        #expect(try resumed.nextTask(roundId: 5) == nil)
        // The ledger entry needs only the state: the operator may move the kept candidate.
        try FileManager.default.removeItem(atPath: fixture.directory + "/synthesis/candidates/\(rejection.dataset).csv")
        let described = try resumed.rejectedCandidate()
        #expect(described.sha256 == SHA256.hash(candidate) && described.bytes == candidate.count)
    }

    @Test("a quality gate rejects withheld scores (no holdouts) and needs a quality round, also in a resumed run's plan")
    func qualityGateWithheld() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let consortium = try Consortium(fixture: fixture, qualityBudgetShare: 0.1, holdouts: false, qualityGate: QualityGate(minimumColumnShapes: 0.1))
        #expect(try consortium.runToPublication() == 4)
        let rejection = try #require(consortium.run.rejection)
        #expect(rejection.quality == nil && rejection.failures.first?.contains("withheld") == true, "\(rejection.failures)")
        #expect(throws: ApiaryError.self) {
            try SynthesisRun(schema: consortium.schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                             collectionSeconds: 60, stateDirectory: fixture.directory + "/other", qualityBudgetShare: 0,
                             qualityGate: QualityGate(minimumColumnShapes: 0.1))
        }
        // A run planned without a quality round cannot take a gate on restart: nothing would be checked.
        let ungated = fixture.directory + "/ungated"
        _ = try SynthesisRun(schema: consortium.schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                             collectionSeconds: 60, stateDirectory: ungated, qualityBudgetShare: 0)
        #expect(throws: ApiaryError.self) {
            try SynthesisRun(schema: consortium.schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                             collectionSeconds: 60, stateDirectory: ungated, qualityBudgetShare: 0.1,
                             qualityGate: QualityGate(minimumColumnShapes: 0.1))
        }
    }

    @Test("an agent refuses a quality task whose query or noise is not the consortium's, before charging anything")
    func tamperedQualityTask() throws {
        let schema = try TableSchema.load(path: Self.sampleData + "/schema.json")
        let releases = [QualityScoreQuery.plannedRelease(share: 0.5, generatorReleases: [PlannedRelease(name: "g", l1: 1, l2: 1, weight: 1)], schema: schema),
                        PlannedRelease(name: "g", l1: 1, l2: 1, weight: 1)]
        let plan = try PrivacyPlan.calibrate(releases: releases, epsilon: 1, delta: 1e-6, quorum: 2)
        let hash = SHA256.hash(Array("candidate".utf8)).hexString
        let valid = try SynthesisTaskCodec.updateTask(try QualityScoreQuery.roundTask(candidateSHA256: hash, round: 3, plan: plan, schema: schema),
                                                      roundId: 3, schema: schema, modulusBits: 512, agents: 3, quorum: 2,
                                                      deadline: Date(timeIntervalSince1970: 2_000_000_000), modelHashIn: nil)
        _ = try SynthesisTaskCodec.roundTask(from: valid, schema: schema)
        let json = valid.step.parameters
        #expect(json.contains("\"scale\":100"), "the fixture's JSON: \(json.prefix(200))")
        for (from, to) in [("\"scale\":100", "\"scale\":1000000"), ("\"trainingSteps\":300", "\"trainingSteps\":1000000000"),
                           ("\"l1\":402", "\"l1\":4")] {
            var tampered = valid
            tampered.step.parameters = json.replacingOccurrences(of: from, with: to)
            #expect(tampered.step.parameters != json, "\(from) is in the task")
            #expect(throws: ApiaryError.self, "\(to)") { _ = try SynthesisTaskCodec.roundTask(from: tampered, schema: schema) }
        }
        // An agent whose candidate fetch fails refuses in the cost check, which comes before the charge.
        let table = try CSVReader(schema: schema).read(path: Self.sampleData + "/institution-a.csv").table
        let computation = GeneratorComputation(table: table, minimumQuorum: 2, holdout: table, coordinator: FixedResponder(body: Array("x".utf8)))
        #expect(throws: ApiaryError.self) { _ = try computation.privacyCost(of: valid) }
    }

    @Test("a round applied twice (a restart before the engine saved it) changes the run once")
    func applyTwice() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let consortium = try Consortium(fixture: fixture)
        try consortium.engine.openRound(try #require(try consortium.run.nextTask(roundId: 1)))
        for _ in 0..<20 where consortium.engine.currentRound?.stage != .applied {
            for agent in consortium.agents { _ = try agent.runOnce(wait: 0) }
        }
        let state = try #require(consortium.engine.currentRound)
        #expect(state.stage == .applied)
        let task = try #require(try consortium.engine.store.current()?.task)
        let sums = try #require(consortium.engine.lastSums)
        // The engine applied round 1; a restarted coordinator applies it again.
        let resumed = try SynthesisRun(schema: consortium.schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3,
                                       modulusBits: 512, collectionSeconds: 60, stateDirectory: fixture.directory)
        let again = try resumed.apply(round: state, task: task, sums: sums)
        let next = try #require(again.next)
        #expect(try SynthesisTaskCodec.roundTask(from: next, schema: consortium.schema).round == 2, "the selection round comes next, once")
        #expect(again.modelHash == state.modelHashOut)
    }

    @Test("a run keeps the plan it started with when restarted with another quality share")
    func resumedPlan() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let schema = try TableSchema.load(path: Self.sampleData + "/schema.json")
        let first = try SynthesisRun(schema: schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                                     collectionSeconds: 60, stateDirectory: fixture.directory, qualityBudgetShare: 0)
        let resumed = try SynthesisRun(schema: schema, kind: .mst, epsilon: 1, delta: 1e-6, quorum: 2, agents: 3, modulusBits: 512,
                                       collectionSeconds: 60, stateDirectory: fixture.directory, qualityBudgetShare: 0.2)
        #expect(resumed.plan == first.plan)
        #expect(!resumed.plan.releases.contains { $0.name == QualityScoreQuery.release })
    }

    @Test("the candidate endpoint serves only the pending candidate, only to institutions")
    func candidateEndpoint() throws {
        let fixture = try EngineFixture()
        defer { try? FileManager.default.removeItem(atPath: fixture.directory) }
        let consortium = try Consortium(fixture: fixture, qualityBudgetShare: 0.1, holdouts: true)
        try consortium.engine.openRound(try #require(try consortium.run.nextTask(roundId: 1)))
        var hash: String? = nil
        for _ in 0..<40 where hash == nil {
            for agent in consortium.agents { _ = try agent.runOnce(wait: 0) }
            if consortium.engine.currentRound?.stage == .applied { try consortium.engine.completeRound(ledgerIndex: 1) }
            if let task = try consortium.engine.store.current()?.task,
               let round = try? SynthesisTaskCodec.roundTask(from: task, schema: consortium.schema),
               case .qualityScores(let query)? = round.blocks.first?.query {
                hash = query.candidateSHA256
            }
        }
        let candidate = try #require(hash)
        let agent = PeerIdentity(name: "bank-a", role: .agent, consortium: "t", fingerprint: "")
        let researcher = PeerIdentity(name: "r", role: .researcher, consortium: "t", fingerprint: "")
        let served = consortium.router.handle(HTTPRequest(method: "GET", target: "/v1/candidates/\(candidate)"), peer: agent)
        #expect(served.status == 200)
        #expect(SHA256.hash(served.body).hexString == candidate)
        #expect(consortium.router.handle(HTTPRequest(method: "GET", target: "/v1/candidates/\(candidate)"), peer: researcher).status == 403)
        #expect(consortium.router.handle(HTTPRequest(method: "GET", target: "/v1/candidates/\(String(repeating: "0", count: 64))"), peer: agent).status == 404)
        #expect(consortium.router.handle(HTTPRequest(method: "GET", target: "/v1/candidates/..%2Fetc"), peer: agent).status == 400)
        #expect(consortium.router.handle(HTTPRequest(method: "POST", target: "/v1/candidates/\(candidate)"), peer: agent).status == 405)
        // Nothing is published before the quality round has run.
        #expect(consortium.run.datasetDirectory == nil)
        // A candidate that went missing is never offered to the agents (they would spend budget on it).
        let path = fixture.directory + "/synthesis/candidates"
        for file in try FileManager.default.contentsOfDirectory(atPath: path) { try FileManager.default.removeItem(atPath: path + "/" + file) }
        #expect(throws: ApiaryError.self) { _ = try consortium.run.nextTask(roundId: 99) }
    }

    @Test("an agent refuses a candidate whose bytes do not match the hash the task names")
    func tamperedCandidate() throws {
        let schema = try TableSchema.load(path: Self.sampleData + "/schema.json")
        let table = try CSVReader(schema: schema).read(path: Self.sampleData + "/institution-a.csv").table
        let served = Array(try String(contentsOfFile: Self.sampleData + "/institution-b.csv", encoding: .utf8).utf8)
        let coordinator = FixedResponder(body: served)
        let computation = GeneratorComputation(table: table, minimumQuorum: 2, holdout: table, coordinator: coordinator)
        let claimed = SHA256.hash(Array("another table".utf8)).hexString
        #expect(throws: ApiaryError.self) { _ = try computation.candidate(sha256: claimed) }
        do {
            _ = try computation.candidate(sha256: claimed)
        } catch let error as ApiaryError {
            #expect(error.code == .verificationFailed)
        }
        // With the right hash the same bytes are read against the schema.
        #expect(try computation.candidate(sha256: SHA256.hash(served).hexString).rowCount == 1_740)
    }
}

/// A coordinator that answers every request with the same CSV bytes.
private struct FixedResponder: HTTPTransport {
    let body: [UInt8]
    func send(_ request: HTTPRequest) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/csv")]), body: body)
    }
}
