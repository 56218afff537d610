import Foundation
import Shared

/// Drives a synthetic-data generator over real rounds (the coordinator's aggregation strategy):
/// it turns the generator's tasks into `UpdateTask`s, records each round's decoded sums as the
/// generator's history, and when the generator finishes, samples the synthetic table and writes
/// it with its datasheet. Its state (plan, history, release records) is saved atomically after
/// every round, so a restarted coordinator resumes the run where it stopped.
public final class SynthesisRun: RoundApplier, @unchecked Sendable {
    /// What is persisted between rounds.
    struct Saved: Codable {
        var plan: PrivacyPlan
        var history: [RoundOutcome]
        var records: [ReleaseRecord]
        var contributorsByRelease: [String: Int]
        var contributors: [String]
        var dataset: String?
    }

    public let schema: TableSchema
    public let generator: any Generator
    public let epsilon: Double
    public let delta: Double
    public let quorum: Int
    public let agents: Int
    public let modulusBits: Int
    public let collectionSeconds: Double
    private let directory: String
    private let datasetsDirectory: String
    private let lock = NSLockShim()
    private var saved: Saved

    public init(schema: TableSchema, kind: GeneratorKind, epsilon: Double, delta: Double, quorum: Int, agents: Int,
                modulusBits: Int, collectionSeconds: Double, stateDirectory: String) throws {
        self.schema = schema
        self.generator = kind.makeGenerator()
        self.epsilon = epsilon
        self.delta = delta
        self.quorum = quorum
        self.agents = agents
        self.modulusBits = modulusBits
        self.collectionSeconds = collectionSeconds
        directory = stateDirectory + "/synthesis"
        datasetsDirectory = stateDirectory + "/datasets"
        try DurableFile.makeDirectory(directory)
        try DurableFile.makeDirectory(datasetsDirectory)
        if let bytes = try DurableFile.read(directory + "/run.json") {
            saved = try ProtocolJSON.decode(Saved.self, from: bytes, what: "\(directory)/run.json")
        } else {
            let releases = try generator.plannedReleases(schema: schema)
            let plan = try PrivacyPlan.calibrate(releases: releases, epsilon: epsilon, delta: delta, quorum: quorum)
            saved = Saved(plan: plan, history: [], records: [], contributorsByRelease: [:], contributors: [], dataset: nil)
            try persist()
        }
    }

    /// The folder of the published dataset once the run has finished.
    public var datasetDirectory: String? { lock.withLock { saved.dataset.map { datasetsDirectory + "/" + $0 } } }

    /// The privacy plan (noise of every release).
    public var plan: PrivacyPlan { lock.withLock { saved.plan } }

    /// The next round's task, or nil when the generator has finished.
    public func nextTask(roundId: UInt64, now: Date = Date()) throws -> UpdateTask? {
        try lock.withLock {
            guard saved.dataset == nil else { return nil }
            guard case .task(let task) = try generator.nextStep(schema: schema, plan: saved.plan, history: saved.history) else { return nil }
            return try SynthesisTaskCodec.updateTask(task, roundId: roundId, schema: schema, modulusBits: modulusBits, agents: agents,
                                                     quorum: quorum, deadline: now.addingTimeInterval(collectionSeconds),
                                                     modelHashIn: historyHash(saved.history))
        }
    }

    public func apply(round: RoundState, task: UpdateTask, sums: [Int64]) throws -> (modelHash: String, next: UpdateTask?) {
        let roundTask = try SynthesisTaskCodec.roundTask(from: task, schema: schema)
        let result: (String, Bool) = try lock.withLock {
            var next = saved
            let outcome = RoundOutcome(task: roundTask, sums: try roundTask.split(sums, schema: schema), contributors: round.contributors.count)
            next.history.append(outcome)
            for (index, block) in roundTask.blocks.enumerated() {
                next.records.append(ReleaseRecord(name: block.release, round: roundTask.round, l1: block.noise?.l1 ?? 0, l2: block.noise?.l2 ?? 0,
                                                  totalMu: block.noise?.actualTotalMu(contributors: outcome.contributors) ?? 0,
                                                  contributors: outcome.contributors, coordinates: outcome.sums[index].count))
                next.contributorsByRelease[block.release] = outcome.contributors
            }
            next.contributors = Array(Set(next.contributors).union(round.contributors)).sorted()
            var modelHash = historyHash(next.history)
            var finished = false
            if case .finished(let fitted) = try generator.nextStep(schema: schema, plan: next.plan, history: next.history) {
                let id = "dataset-\(round.id)"
                modelHash = SHA256.hash(try ProtocolJSON.encode(fitted)).hexString
                try publish(fitted, id: id, state: next)
                next.dataset = id
                finished = true
            }
            saved = next
            try persist()
            return (modelHash, finished)
        }
        let nextTask = result.1 ? nil : try self.nextTask(roundId: round.id + 1)
        return (result.0, nextTask)
    }

    /// Samples the synthetic table and writes it with its datasheet into datasets/<id>/.
    private func publish(_ fitted: FittedModel, id: String, state: Saved) throws {
        let model = fitted.model
        let rows = max(1, Int(model.estimatedRecords.rounded()))
        let synthetic = model.sample(rows: rows, using: SystemRandom())
        let folder = datasetsDirectory + "/" + id
        try DurableFile.makeDirectory(folder, mode: 0o755)
        let csv = CSVWriter.encode(synthetic)
        let (spent, order) = try state.plan.accountedEpsilon(contributors: state.contributorsByRelease)
        let datasheet = Datasheet(
            schema: schema, rows: rows, estimatedRealRecords: model.estimatedRecords,
            generator: .init(name: generator.name, parameters: generator.parameters),
            privacy: .init(epsilon: spent, delta: delta, targetEpsilon: epsilon, order: order.isFinite ? order : nil, quorum: quorum,
                           accountant: "Renyi DP of the Skellam mechanism (Agarwal, Kairouz, Liu 2021) composed over every release, dp-accounting's default orders, improved RDP-to-(epsilon, delta) conversion",
                           unit: "record (adding or removing one row at any institution)", releases: state.records),
            contributors: state.contributors, quality: nil,
            cryptography: "\(modulusBits)-bit threshold Paillier (t-of-n, proofs of correct partial decryption); DJN short-exponent encryption; packed signed-integer slots",
            hashes: ["synthetic.csv": SHA256.hash(csv).hexString, "schema.json": SHA256.hash(try schema.jsonData()).hexString])
        // The CSV last: its presence marks the dataset complete.
        try DurableFile.write(Array(try datasheet.jsonData()), to: folder + "/datasheet.json", mode: 0o644)
        try DurableFile.write(Array(datasheet.markdown().utf8), to: folder + "/datasheet.md", mode: 0o644)
        try DurableFile.write(csv, to: folder + "/synthetic.csv", mode: 0o644)
        Log.info("dataset.written", ["dataset": id, "rows": String(rows), "epsilon": String(format: "%.4f", spent)])
    }

    private func historyHash(_ history: [RoundOutcome]) -> String {
        SHA256.hash((try? ProtocolJSON.encode(history)) ?? []).hexString
    }

    private func persist() throws {
        try DurableFile.write(try ProtocolJSON.encode(saved), to: directory + "/run.json")
    }
}
