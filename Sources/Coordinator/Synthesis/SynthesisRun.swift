import Foundation
import Shared

/// Drives a synthetic-data generator over real rounds (the coordinator's aggregation strategy):
/// it turns the generator's tasks into `UpdateTask`s, records each round's decoded sums as the
/// generator's history, and when the generator finishes, samples the synthetic table and writes
/// it with its datasheet. Its state (plan, history, release records) is saved atomically after
/// every round, so a restarted coordinator resumes the run where it stopped.
///
/// With a quality share, the sampled table is first a candidate: it is written under
/// synthesis/candidates/, one more round asks every institution to score it against its own
/// holdout (`QualityScoreQuery`, fetched by its SHA-256 from `GET /v1/candidates/{sha256}`), and
/// only then is it published with the decoded scores in its datasheet. The quality release is
/// in the privacy plan from the start, so agents count it in their budgets like any other.
/// With a `QualityGate`, a candidate whose scores miss a threshold is not published: the run
/// ends with a `Rejection` (state and log; the coordinator then appends a dataset_rejection
/// entry to the ledger), and the candidate stays in synthesis/candidates/ for the operator.
public final class SynthesisRun: RoundApplier, @unchecked Sendable {
    /// The sampled table awaiting its quality round.
    struct Candidate: Codable {
        var id: String
        var sha256: String
        var rows: Int
        var estimatedRecords: Double
        var modelHash: String
        /// The model's dependencies for the datasheet (nil in a state saved before they were kept).
        var structure: [String]?
    }

    /// A candidate the quality gate kept from publication.
    public struct Rejection: Codable, Sendable, Equatable {
        /// The candidate's dataset id.
        public var dataset: String
        /// SHA-256 of its CSV (the ledger's model hash of the quality round).
        public var sha256: String
        /// Its CSV's size in bytes (nil in a state saved before the ledger recorded rejections).
        public var csvBytes: Int?
        /// What the scores missed (`QualityGate.failures`).
        public var failures: [String]
        /// The decoded noisy scores, nil when withheld.
        public var quality: SecureQualityScores?
    }

    /// What is persisted between rounds.
    struct Saved: Codable {
        var plan: PrivacyPlan
        var history: [RoundOutcome]
        var records: [ReleaseRecord]
        var contributorsByRelease: [String: Int]
        var contributors: [String]
        var dataset: String?
        var candidate: Candidate?
        /// The last round applied and the model hash it gave: the engine saves a round as
        /// applied only after `apply` returns, so a crash in between applies it again.
        var lastApplied: UInt64?
        var lastModelHash: String?
        /// Set when the quality gate kept the candidate from publication (the run is over).
        var rejection: Rejection?

        var isFinished: Bool { dataset != nil || rejection != nil }
    }

    public let schema: TableSchema
    public let generator: any Generator
    public let epsilon: Double
    public let delta: Double
    public let quorum: Int
    public let agents: Int
    public let modulusBits: Int
    public let collectionSeconds: Double
    /// Thresholds a candidate must reach to be published (needs a quality round).
    public let qualityGate: QualityGate?
    private let directory: String
    private let datasetsDirectory: String
    private let lock = NSLockShim()
    private var saved: Saved

    public init(schema: TableSchema, kind: GeneratorKind, epsilon: Double, delta: Double, quorum: Int, agents: Int,
                modulusBits: Int, collectionSeconds: Double, stateDirectory: String, qualityBudgetShare: Double = 0,
                qualityGate: QualityGate? = nil) throws {
        guard (0..<1).contains(qualityBudgetShare) else {
            throw ApiaryError(.invalidArgument, "the quality budget share must be in [0, 1), got \(qualityBudgetShare)")
        }
        try qualityGate?.validate(schema: schema, qualityBudgetShare: qualityBudgetShare, field: "qualityGate")
        self.qualityGate = qualityGate
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
        try DurableFile.makeDirectory(directory + "/candidates")
        try DurableFile.makeDirectory(datasetsDirectory)
        if let bytes = try DurableFile.read(directory + "/run.json") {
            saved = try ProtocolJSON.decode(Saved.self, from: bytes, what: "\(directory)/run.json")
            // A resumed run keeps the plan it started with (institutions checked their budgets against it).
            let planned = saved.plan.releases.contains { $0.name == QualityScoreQuery.release }
            if planned != (qualityBudgetShare > 0) {
                Log.warning("synthesis.quality_share_ignored", ["reason": "the run in \(directory) was planned \(planned ? "with" : "without") a quality round; its plan is kept"])
            }
            if qualityGate != nil, !planned {
                throw ApiaryError(.invalidArgument, "qualityGate is set but the run in \(directory) was planned without a quality round, so nothing could be checked; remove the gate or start a new run")
            }
        } else {
            var releases = try generator.plannedReleases(schema: schema)
            if qualityBudgetShare > 0 {
                releases.append(QualityScoreQuery.plannedRelease(share: qualityBudgetShare, generatorReleases: releases, schema: schema))
            }
            let plan = try PrivacyPlan.calibrate(releases: releases, epsilon: epsilon, delta: delta, quorum: quorum)
            saved = Saved(plan: plan, history: [], records: [], contributorsByRelease: [:], contributors: [], dataset: nil, candidate: nil)
            try persist()
        }
    }

    /// The candidate table's CSV bytes when `sha256` names the candidate awaiting its quality
    /// round (nil otherwise: nothing else is served before publication).
    public func candidateCSV(sha256: String) throws -> [UInt8]? {
        guard let candidate = lock.withLock({ saved.isFinished ? nil : saved.candidate }), candidate.sha256 == sha256 else { return nil }
        return try DurableFile.read(candidatePath(candidate.id))
    }

    private func candidatePath(_ id: String) -> String { directory + "/candidates/\(id).csv" }

    /// The candidate's bytes, checked against the hash the state holds.
    private func verifiedCandidateCSV(_ candidate: Candidate) throws -> [UInt8] {
        guard let csv = try DurableFile.read(candidatePath(candidate.id)), SHA256.hash(csv).hexString == candidate.sha256 else {
            throw ApiaryError(.notFound, "candidate \(candidate.id) is missing or changed in \(directory)/candidates; the quality round cannot run")
        }
        return csv
    }

    /// The folder of the published dataset once the run has finished.
    public var datasetDirectory: String? { lock.withLock { saved.dataset.map { datasetsDirectory + "/" + $0 } } }

    /// Whether the run is over: its dataset published, or its candidate rejected.
    public var isFinished: Bool { lock.withLock { saved.isFinished } }

    /// Why the quality gate kept the candidate from publication, if it did.
    public var rejection: Rejection? { lock.withLock { saved.rejection } }

    /// The rejected candidate's SHA-256 and size, for its ledger entry. The state holds both, so
    /// the operator may move the kept candidate; only a state saved before sizes were recorded
    /// reads the file.
    public func rejectedCandidate() throws -> (sha256: [UInt8], bytes: Int) {
        guard let rejection, let hash = [UInt8](hexString: rejection.sha256) else {
            throw ApiaryError(.notFound, "this run has no rejected candidate")
        }
        if let bytes = rejection.csvBytes { return (hash, bytes) }
        guard let csv = try DurableFile.read(candidatePath(rejection.dataset)), SHA256.hash(csv) == hash else {
            throw ApiaryError(.notFound, "rejected candidate \(rejection.dataset) is missing or changed in \(directory)/candidates, and run.json does not hold its size")
        }
        return (hash, csv.count)
    }

    /// The privacy plan (noise of every release).
    public var plan: PrivacyPlan { lock.withLock { saved.plan } }

    /// The next round's task, or nil when the generator has finished.
    public func nextTask(roundId: UInt64, now: Date = Date()) throws -> UpdateTask? {
        try lock.withLock {
            guard !saved.isFinished else { return nil }
            let task: RoundTask
            var modelHashIn = historyHash(saved.history)
            if let candidate = saved.candidate {
                // Agents spend budget on this round: never offer a candidate that cannot be served.
                _ = try verifiedCandidateCSV(candidate)
                task = try QualityScoreQuery.roundTask(candidateSHA256: candidate.sha256, round: saved.history.count + 1, plan: saved.plan, schema: schema)
                modelHashIn = candidate.modelHash
            } else {
                guard case .task(let next) = try generator.nextStep(schema: schema, plan: saved.plan, history: saved.history) else { return nil }
                task = next
            }
            return try SynthesisTaskCodec.updateTask(task, roundId: roundId, schema: schema, modulusBits: modulusBits, agents: agents,
                                                     quorum: quorum, deadline: now.addingTimeInterval(collectionSeconds),
                                                     modelHashIn: modelHashIn)
        }
    }

    public func apply(round: RoundState, task: UpdateTask, sums: [Int64]) throws -> (modelHash: String, next: UpdateTask?) {
        let roundTask = try SynthesisTaskCodec.roundTask(from: task, schema: schema)
        let result: (String, Bool) = try lock.withLock {
            // Applied already (a restart between this and the engine's save): nothing changes.
            if saved.lastApplied == round.id, let hash = saved.lastModelHash { return (hash, saved.isFinished) }
            var next = saved
            let outcome = RoundOutcome(task: roundTask, sums: try roundTask.split(sums, schema: schema), contributors: round.contributors.count)
            for (index, block) in roundTask.blocks.enumerated() {
                next.records.append(ReleaseRecord(name: block.release, round: roundTask.round, l1: block.noise?.l1 ?? 0, l2: block.noise?.l2 ?? 0,
                                                  totalMu: block.noise?.actualTotalMu(contributors: outcome.contributors) ?? 0,
                                                  contributors: outcome.contributors, coordinates: outcome.sums[index].count))
                next.contributorsByRelease[block.release] = outcome.contributors
            }
            next.contributors = Array(Set(next.contributors).union(round.contributors)).sorted()
            var modelHash: String
            var finished = false
            if let candidate = next.candidate {
                // The quality round: publish the candidate with the decoded scores.
                guard roundTask.blocks.count == 1, case .qualityScores(let query) = roundTask.blocks[0].query,
                      query.candidateSHA256 == candidate.sha256 else {
                    throw ApiaryError(.protocolViolation, "round \(round.id) is not the quality round of candidate \(candidate.id)")
                }
                let csv = try verifiedCandidateCSV(candidate)
                let quality = try query.reportedScores(outcome.sums[0], noiseVariance: outcome.noiseVariance(block: 0), schema: schema)
                if quality == nil {
                    Log.warning("dataset.quality_withheld", ["dataset": candidate.id, "reason": "too few holdout records to tell from the noise"])
                }
                let failures = qualityGate?.failures(quality) ?? []
                if failures.isEmpty {
                    try publish(csv: csv, rows: candidate.rows, estimatedRecords: candidate.estimatedRecords, structure: candidate.structure,
                                id: candidate.id, state: next, quality: quality)
                    next.dataset = candidate.id
                } else {
                    next.rejection = Rejection(dataset: candidate.id, sha256: candidate.sha256, csvBytes: csv.count, failures: failures, quality: quality)
                    Log.warning("dataset.rejected", ["dataset": candidate.id, "reasons": failures.joined(separator: "; "),
                                                     "candidate": candidatePath(candidate.id)])
                }
                // The round's output is the scored table itself: the ledger's model chain ends at its hash.
                modelHash = candidate.sha256
                finished = true
            } else {
                next.history.append(outcome)
                modelHash = historyHash(next.history)
                if case .finished(let fitted) = try generator.nextStep(schema: schema, plan: next.plan, history: next.history) {
                    let id = "dataset-\(round.id)"
                    modelHash = SHA256.hash(try ProtocolJSON.encode(fitted)).hexString
                    let model = fitted.model
                    let rows = max(1, Int(model.estimatedRecords.rounded()))
                    if let warning = NoiseDominanceCheck.warning(releases: next.records, schema: schema, estimatedRecords: model.estimatedRecords) {
                        Log.warning("dataset.noise_dominates", ["dataset": id, "reason": warning])
                    }
                    let csv = CSVWriter.encode(model.sample(rows: rows, using: SystemRandom()))
                    if next.plan.releases.contains(where: { $0.name == QualityScoreQuery.release }) {
                        // Written before the state names it, so a restart finds the same candidate.
                        try DurableFile.write(csv, to: candidatePath(id), mode: 0o600)
                        next.candidate = Candidate(id: id, sha256: SHA256.hash(csv).hexString, rows: rows,
                                                   estimatedRecords: model.estimatedRecords, modelHash: modelHash, structure: model.structure)
                        Log.info("dataset.candidate", ["dataset": id, "rows": String(rows), "sha256": next.candidate!.sha256])
                    } else {
                        try publish(csv: csv, rows: rows, estimatedRecords: model.estimatedRecords, structure: model.structure,
                                    id: id, state: next, quality: nil)
                        next.dataset = id
                        finished = true
                    }
                }
            }
            let published = saved.candidate.flatMap { next.dataset == nil ? nil : $0 }
            next.lastApplied = round.id
            next.lastModelHash = modelHash
            saved = next
            try persist()
            // The published copy is in datasets/ now; the candidate file is no longer named by the state.
            if let published { try? FileManager.default.removeItem(atPath: candidatePath(published.id)) }
            return (modelHash, finished)
        }
        let nextTask = result.1 ? nil : try self.nextTask(roundId: round.id + 1)
        return (result.0, nextTask)
    }

    /// Writes the synthetic table with its datasheet into datasets/<id>/.
    private func publish(csv: [UInt8], rows: Int, estimatedRecords: Double, structure: [String]?, id: String, state: Saved,
                         quality: SecureQualityScores?) throws {
        let folder = datasetsDirectory + "/" + id
        try DurableFile.makeDirectory(folder, mode: 0o755)
        let (spent, order) = try state.plan.accountedEpsilon(contributors: state.contributorsByRelease)
        let datasheet = Datasheet(
            schema: schema, rows: rows, estimatedRealRecords: estimatedRecords,
            generator: .init(name: generator.name, parameters: generator.parameters, structure: structure),
            privacy: .init(epsilon: spent, delta: delta, targetEpsilon: epsilon, order: order.isFinite ? order : nil, quorum: quorum,
                           accountant: "Renyi DP of the Skellam mechanism (Agarwal, Kairouz, Liu 2021) composed over every release, dp-accounting's default orders, improved RDP-to-(epsilon, delta) conversion",
                           unit: "record (adding or removing one row at any institution)", releases: state.records),
            contributors: state.contributors, quality: quality,
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
