import Foundation
import Shared

/// The running coordinator: loads its kit and configuration, serves the round protocol, the
/// ledger and the datasets over mutual TLS, and drives the run: opens each round the generator
/// asks for, commits applied rounds to the ledger, lets the institutions co-sign, settles
/// rewards once final, and publishes the dataset when the generator finishes.
public final class CoordinatorServer: @unchecked Sendable {
    public let configuration: CoordinatorConfiguration
    public let engine: CoordinatorEngine
    public let ledger: LedgerService
    public let run: SynthesisRun
    public let server: HTTPServer
    public let metrics: CoordinatorMetrics
    public let delta: Double
    private let kit: PartyKit
    private let stopFlag = StopFlag()
    private let finished = StopFlag()
    private var driver: Thread?

    public init(configuration: CoordinatorConfiguration) throws {
        self.configuration = configuration
        kit = try PartyKit(directory: configuration.kit)
        let identity = try CertificateIdentity.parse(try DurableFile.read(kit.credentials.certificatePath) ?? [])
        guard identity.role == .coordinator else {
            throw ApiaryError(.invalidArgument, "\(configuration.kit) is a \(identity.role.rawValue) kit; the coordinator needs the coordinator kit")
        }
        let schema = try TableSchema.load(path: configuration.schema)
        // Refuse a busy port before anything is written to the state directory.
        let (host, port) = try ConfigurationFile.hostAndPort(configuration.listen, field: "listen")
        if port != 0 { try Socket.listen(host: host, port: port).close() }
        try DurableFile.makeDirectory(configuration.state)
        let agentKeys = try kit.agentLedgerKeys()
        let quorum = configuration.quorum ?? kit.genesis.threshold
        guard quorum >= 1, quorum <= agentKeys.count else {
            throw ApiaryError(.invalidArgument, "quorum \(quorum) must be between 1 and the \(agentKeys.count) institutions")
        }
        delta = configuration.delta
        try Self.refuseLostLedger(state: configuration.state)
        ledger = try LedgerService(path: configuration.state + "/ledger.apl", description: kit.genesis, coordinatorId: identity.name, key: kit.ledgerKey,
                                   maximumFinalityDelay: configuration.finalityDelaySeconds)
        run = try SynthesisRun(schema: schema, kind: GeneratorKind(rawValue: configuration.generator) ?? .mst, epsilon: configuration.epsilon,
                               delta: configuration.delta, quorum: quorum, agents: agentKeys.count, modulusBits: kit.thresholdKey.paillier.modulusBits,
                               collectionSeconds: configuration.collectionSeconds, stateDirectory: configuration.state,
                               qualityBudgetShare: configuration.qualityBudgetShare, qualityGate: configuration.qualityGate)
        let policy = CoordinatorEngine.Policy(agentKeys: agentKeys, committeeSeats: kit.committeeSeats, quorum: quorum,
                                              collectionSeconds: configuration.collectionSeconds, failAfterSeconds: configuration.failAfterSeconds,
                                              decryptionTimeout: configuration.decryptionSeconds)
        engine = try CoordinatorEngine(policy: policy, thresholdKey: kit.thresholdKey, store: try RoundStore(root: configuration.state + "/rounds"),
                                       applier: run)
        for problem in Self.auditCommittedUpdates(entries: ledger.appender.ledger.entries, store: engine.store) {
            Log.warning("round.committed_update_unavailable", ["round": String(problem.round), "agent": problem.agent,
                                                               "path": problem.path, "problem": problem.problem])
        }
        var serverConfiguration = HTTPServerConfiguration(host: host, port: port)
        serverConfiguration.maxConnections = configuration.maxConnections
        serverConfiguration.limits = HTTPLimits(maxBodyBytes: configuration.maxBodyBytes)
        let tls = try TLSContext(side: .server, credentials: kit.credentials)
        metrics = CoordinatorMetrics(server: nil)
        let engine = self.engine
        let datasets = DatasetCatalog(root: configuration.state + "/datasets", ledger: ledger, onLedgerChange: { engine.notifyAgents() })
        let run = self.run
        let router = CoordinatorRouter(engine: engine, metrics: metrics, ledger: ledger, datasets: datasets,
                                       candidates: { try run.candidateCSV(sha256: $0) })
        server = HTTPServer(configuration: serverConfiguration, tls: tls, handler: router)
        metrics.attach(server: server.metrics)
        let ledger = self.ledger
        engine.setExtraTaskSource { agent in
            // Co-signing waits for the job's last round (one head covers the whole job).
            let roundsRunning = !run.isFinished
            guard let head = try? ledger.headToCosign(for: agent, roundsRunning: roundsRunning) else { return nil }
            return TaskEnvelope(kind: .cosign, roundId: nil, update: nil, decrypt: nil, cosignHead: head.encoded().hexString, note: nil)
        }
    }

    /// Starts serving and driving rounds; returns the bound port.
    @discardableResult
    public func start() throws -> UInt16 {
        let port = try server.start()
        let thread = Thread { [self] in
            while !stopFlag.isSet {
                do { try drive() } catch { Log.error("coordinator.drive_failed", ["reason": "\(error)"]) }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        thread.name = "apiary-driver"
        thread.start()
        driver = thread
        return port
    }

    /// Whether the run is over (its dataset published, or its candidate rejected by the quality
    /// gate) and every ledger entry is final.
    public var isFinished: Bool { finished.isSet }

    /// Why the quality gate kept the run's candidate from publication, if it did.
    public var rejection: SynthesisRun.Rejection? { run.rejection }

    /// Stops driving and serving.
    public func stop() {
        stopFlag.set()
        server.stop(grace: 2)
    }

    /// Refuses to start when the ledger is missing or empty but the state already holds rounds
    /// or datasets: a new genesis would silently replace the history those rounds were
    /// committed to. The ledger must come back from a backup or an institution's replica.
    static func refuseLostLedger(state: String) throws {
        let ledgerPath = state + "/ledger.apl"
        let size = (try? FileManager.default.attributesOfItem(atPath: ledgerPath))?[.size] as? Int
        guard (size ?? 0) == 0 else { return }
        let recorded = ["rounds", "datasets", "synthesis"].filter { folder in
            !((try? FileManager.default.contentsOfDirectory(atPath: state + "/" + folder)) ?? []).isEmpty
        }
        guard recorded.isEmpty else {
            throw ApiaryError(.conflict, "\(ledgerPath) is \(size == nil ? "missing" : "empty") but \(state) holds \(recorded.joined(separator: ", ")): restore the ledger from a backup or an institution's replica (docs/operator-guide.md) instead of starting a new one")
        }
    }

    /// An update a committed round lists that is not on disk as the ledger records it.
    struct UnavailableUpdate: Equatable {
        let round: UInt64
        let agent: String
        let path: String
        /// "missing", or "hash differs from the ledger's".
        let problem: String
    }

    /// Every update the ledger's round commitments list, checked against the stored file: a
    /// missing file or one whose SHA-256 is not the committed hash. The rounds stand (the
    /// ledger holds their outcome), so start-up goes on, but an auditor can no longer recompute
    /// those aggregates until the files come back from a backup; the operator hears of it at
    /// start rather than when an agent first asks for one.
    static func auditCommittedUpdates(entries: [LedgerEntry], store: RoundStore) -> [UnavailableUpdate] {
        var problems: [UnavailableUpdate] = []
        for entry in entries {
            guard case .roundCommitment(let commitment) = entry else { continue }
            for contribution in commitment.contributions where PartyName.isSafe(contribution.partyId) {
                let path = store.updatePath(round: commitment.roundId, agent: contribution.partyId)
                guard let bytes = try? store.update(round: commitment.roundId, agent: contribution.partyId) else {
                    problems.append(UnavailableUpdate(round: commitment.roundId, agent: contribution.partyId, path: path, problem: "missing"))
                    continue
                }
                if SHA256.hash(bytes) != contribution.updateHash {
                    problems.append(UnavailableUpdate(round: commitment.roundId, agent: contribution.partyId, path: path,
                                                      problem: "hash differs from the ledger's"))
                }
            }
        }
        return problems
    }

    /// One step of the run, called every 100 ms.
    func drive() throws {
        engine.tick()
        let round = engine.currentRound
        switch round?.stage {
        case nil:
            if let task = try run.nextTask(roundId: 1) { try engine.openRound(task) }
        case .applied?:
            guard let round, let task = try engine.store.current()?.task else { return }
            // Stopped after the ledger took the commitment but before the engine saved it: the
            // entry stands (appending it again would break the ledger's round order).
            if let committed = ledger.appender.state.rounds[round.id] {
                Log.info("round.commit_found_after_restart", ["round": String(round.id), "ledger_index": String(committed.entryIndex)])
                try engine.completeRound(ledgerIndex: UInt64(committed.entryIndex))
                engine.notifyAgents()
                break
            }
            let cost = try SynthesisTaskCodec.privacyCost(of: try SynthesisTaskCodec.roundTask(from: task, schema: run.schema),
                                                          quorum: round.contributors.count)
            let (epsilon, _) = try cost.rdpCurve().epsilon(delta: delta)
            let shares = try round.combinedParties.map { party -> DecryptionShareRecord in
                guard let bytes = try engine.store.partial(round: round.id, party: party) else {
                    throw ApiaryError(.notFound, "the partial decryption of \(party) in round \(round.id) is missing")
                }
                let partial = try ThresholdKeyCodec.decodePartialDecryption(bytes, key: kit.thresholdKey)
                return DecryptionShareRecord(partyId: party, shareHash: SHA256.hash(bytes), proofHash: try partial.digest(key: kit.thresholdKey))
            }
            let index = try ledger.commit(round: round, task: task, roundEpsilon: epsilon,
                                          cumulativeEpsilon: try composedEpsilon(through: round), delta: delta,
                                          totalNoise: cost.mechanisms.reduce(0) { $0 + ($1.mu ?? 0) }, shares: shares)
            try engine.completeRound(ledgerIndex: UInt64(index))
            metrics.recordRoundOutcome("committed")
            engine.notifyAgents()
        case .committed?:
            // Committed but no next round open: after a restart between the commit and the next
            // round's opening (the engine keeps that task in memory only). Finished runs give nil.
            guard let round, let task = try run.nextTask(roundId: round.id + 1) else { break }
            Log.info("round.next_after_restart", ["committed_round": String(round.id), "next_round": String(task.roundId)])
            try engine.openRound(task)
        case .failed?:
            // The same generator step is issued again as a new round (the history did not change).
            guard let round, let task = try run.nextTask(roundId: round.id + 1) else { return }
            Log.warning("round.retrying", ["failed_round": String(round.id), "next_round": String(task.roundId)])
            metrics.recordRoundOutcome("failed")
            try engine.openRound(task)
        default:
            break
        }
        try publishIfReady()
    }

    /// Each contributor's epsilon over every applied round up to `last` (RDP composition of the
    /// rounds' releases at their actual contributor counts).
    private func composedEpsilon(through last: RoundState) throws -> [String: Double] {
        var curves: [String: RDPCurve] = [:]
        for id in 1...last.id {
            guard let state = id == last.id ? last : try engine.store.state(round: id),
                  state.stage == .committed || state.stage == .applied, let task = try engine.store.task(round: id) else { continue }
            let cost = try SynthesisTaskCodec.privacyCost(of: try SynthesisTaskCodec.roundTask(from: task, schema: run.schema),
                                                          quorum: state.contributors.count)
            let curve = try cost.rdpCurve()
            for party in state.contributors { curves[party] = try curves[party].map { try $0.composed(with: curve) } ?? curve }
        }
        return try curves.mapValues { try $0.epsilon(delta: delta).epsilon }
    }

    private func publishIfReady() throws {
        // The last round must be on the ledger first: `apply` runs on the thread that combined
        // the partial decryptions, so the stage `drive` read may be older than the run's state.
        if let stage = engine.currentRound?.stage, stage != .committed { return }
        if let rejection = run.rejection {
            // The verdict goes on the ledger; the run ends once it is final.
            let state = ledger.appender.state
            if state.rejectedDatasets[rejection.dataset] == nil {
                let candidate = try run.rejectedCandidate()
                _ = try ledger.reject(datasetId: rejection.dataset, csvHash: candidate.sha256, csvSize: UInt64(candidate.bytes), generator: configuration.generator,
                                      failures: rejection.failures, rounds: state.rounds.keys.sorted())
                engine.notifyAgents()
            } else if ledger.appender.pendingEntries.isEmpty, !finished.isSet {
                finished.set()
                Log.info("coordinator.run_finished", ["dataset": "none: \(rejection.dataset) rejected by the quality gate",
                                                      "ledger_entries": String(ledger.appender.ledger.size)])
            }
            return
        }
        guard let folder = run.datasetDirectory else { return }
        let id = (folder as NSString).lastPathComponent
        let state = ledger.appender.state
        if state.datasets[id] == nil {
            guard let csv = try DurableFile.read(folder + "/synthetic.csv"), let datasheet = try DurableFile.read(folder + "/datasheet.json"),
                  let object = try JSONSerialization.jsonObject(with: Data(datasheet)) as? [String: Any],
                  let privacy = object["privacy"] as? [String: Any], let epsilon = privacy["epsilon"] as? Double,
                  let contributors = object["contributors"] as? [String] else {
                throw ApiaryError(.notFound, "dataset \(id) is incomplete in \(folder)")
            }
            _ = try ledger.publish(datasetId: id, csv: csv, datasheet: datasheet, generator: configuration.generator, epsilon: epsilon,
                                   delta: delta, contributors: contributors, rounds: state.rounds.keys.sorted())
            engine.notifyAgents()
        } else if ledger.appender.pendingEntries.isEmpty, !finished.isSet {
            finished.set()
            Log.info("coordinator.run_finished", ["dataset": id, "ledger_entries": String(ledger.appender.ledger.size)])
        }
    }
}
