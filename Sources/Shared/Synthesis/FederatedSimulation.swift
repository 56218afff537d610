import Foundation

/// The whole federated pipeline in one process with real cryptography, for trying Apiary on
/// one's own tables without a deployment (`apiary-coordinator simulate`).
///
/// Per round, every simulated institution evaluates the task on its own rows, adds its Skellam
/// share (`LocalContribution`), packs the integers (`PackedCodec`, signed offset encoding) and
/// encrypts them under the consortium's Paillier key; the coordinator multiplies the
/// ciphertexts (`CiphertextAccumulator`), has the sum decrypted (`AggregateDecryptor`: by default
/// t = floor(n/2) + 1 of the institutions holding shares of a dealt threshold key) and
/// decodes it with the actual contributor count. The generator turns the decoded sums into
/// the next task or the model. Then it samples, writes synthetic.csv, optionally scores the
/// candidate against a holdout split across the institutions through the same secure path,
/// and writes datasheet.json and datasheet.md. Progress lines never contain data.
public struct FederatedSimulation: Sendable {
    /// The settings.
    public let configuration: SimulationConfiguration

    /// Name of the quality release in the privacy plan.
    public static let qualityRelease = QualityScoreQuery.release

    /// A simulation with the given settings.
    public init(configuration: SimulationConfiguration) { self.configuration = configuration }

    /// Runs the pipeline; `progress` receives one line per step (no data in them).
    public func run(progress: (String) -> Void = { _ in }) throws -> SimulationResult {
        let config = configuration
        let schema = config.schema
        let (quorum, threshold) = try checkedSettings()
        var timer = PhaseTimer()

        // Each institution reads and checks its own file before anything else; the holdout is
        // checked now, not after the rounds have spent the budget.
        let reader = try CSVReader(schema: schema, policy: config.badRows)
        let tables = try readInstitutions(with: reader, progress: progress)
        let holdouts = try readHoldouts(with: reader, institutions: tables.count, progress: progress)
        timer.lap("read")

        let generator = config.generator.makeGenerator()
        let plan = try privacyPlan(generator: generator, quorum: quorum, qualityRound: holdouts != nil, progress: progress)
        // Created once every setting has been checked: a refused run leaves no empty folder.
        try DurableFile.makeDirectory(config.outputDirectory, mode: 0o755)
        let (publicKey, decryptor) = try consortiumKey(institutions: tables.count, threshold: threshold, progress: progress)
        timer.lap("keys")

        var history: [RoundOutcome] = []
        var records: [ReleaseRecord] = []
        var contributorsByRelease: [String: Int] = [:]
        func account(_ outcome: RoundOutcome) {
            for (index, block) in outcome.task.blocks.enumerated() {
                records.append(record(block, round: outcome.task.round, contributors: outcome.contributors,
                                      coordinates: outcome.sums[index].count))
                contributorsByRelease[block.release] = outcome.contributors
            }
        }
        let model: FittedModel
        while true {
            let step = try generator.nextStep(schema: schema, plan: plan, history: history)
            guard case .task(let task) = step else {
                if case .finished(let fitted) = step { model = fitted; break }
                continue
            }
            let outcome = try runRound(task, tables: tables, publicKey: publicKey, decryptor: decryptor,
                                       progress: progress) { index in
                try LocalContribution.compute(task: task, table: tables[index], random: random(institution: index, round: task.round))
            }
            history.append(outcome)
            account(outcome)
        }
        timer.lap("rounds")

        let fitted = model.model
        // The structure is post-processing of noisy sums: public, and the datasheet's own lines.
        progress("structure: " + fitted.structure.joined(separator: " | "))
        let rowCount = config.rows ?? max(1, Int(fitted.estimatedRecords.rounded()))
        let synthetic = fitted.sample(rows: rowCount, using: random(institution: tables.count, round: 0))
        timer.lap("fit+sample")
        progress("sampled \(rowCount) synthetic rows with \(generator.name)")
        if let warning = NoiseDominanceCheck.warning(releases: records, schema: schema, estimatedRecords: fitted.estimatedRecords) {
            progress("warning: \(warning)")
        }

        let csvPath = config.outputDirectory + "/synthetic.csv"
        let csvBytes = CSVWriter.encode(synthetic)
        try DurableFile.write(csvBytes, to: csvPath, mode: 0o644)
        let csvHash = SHA256.hash(csvBytes).hexString

        var quality: SecureQualityScores? = nil
        if let holdouts {
            let (scores, outcome) = try qualityRound(candidateBytes: csvBytes, candidateSHA256: csvHash, round: history.count + 1,
                                                     plan: plan, tables: tables, holdouts: holdouts,
                                                     publicKey: publicKey, decryptor: decryptor, progress: progress)
            quality = scores
            account(outcome)
            timer.lap("quality")
        }

        let (epsilon, order) = try plan.accountedEpsilon(contributors: contributorsByRelease)
        let datasheet = Datasheet(
            schema: schema, rows: rowCount, estimatedRealRecords: fitted.estimatedRecords,
            generator: .init(name: generator.name, parameters: generator.parameters, structure: fitted.structure),
            privacy: .init(epsilon: epsilon, delta: config.delta, targetEpsilon: config.epsilon,
                           order: order.isFinite ? order : nil, quorum: quorum,
                           accountant: "Renyi DP of the Skellam mechanism (Agarwal, Kairouz, Liu 2021, Thm 3.5) composed over every release, dp-accounting's default orders, improved RDP-to-(epsilon, delta) conversion",
                           unit: "record (adding or removing one row at any institution)", releases: records),
            contributors: config.institutions.map(\.name), quality: quality,
            cryptography: "\(decryptor.scheme); DJN short-exponent encryption; packed signed-integer slots",
            hashes: ["synthetic.csv": csvHash, "schema.json": SHA256.hash(try schema.jsonData()).hexString])
        try DurableFile.write(Array(try datasheet.jsonData()), to: config.outputDirectory + "/datasheet.json", mode: 0o644)
        try DurableFile.write(Array(datasheet.markdown().utf8), to: config.outputDirectory + "/datasheet.md", mode: 0o644)
        var timings = timer.timings
        timings["total"] = timer.elapsed
        progress("wrote \(csvPath), datasheet.json and datasheet.md; epsilon \(epsilon.isFinite ? String(format: "%.4f", epsilon) : "infinity")")
        let gateFailures = config.qualityGate.map { $0.failures(quality) }
        if let gateFailures {
            progress(gateFailures.isEmpty ? "quality gate: passed" : "quality gate: missed (\(gateFailures.joined(separator: "; ")))")
        }
        return SimulationResult(synthetic: synthetic, datasheet: datasheet, model: model, gateFailures: gateFailures, timings: timings)
    }

    /// The settings checked before any file is read: the quorum and the decryption threshold.
    private func checkedSettings() throws -> (quorum: Int, threshold: Int) {
        let config = configuration
        try config.schema.validate()
        let n = config.institutions.count
        guard n >= 1 else { throw ApiaryError(.invalidArgument, "simulate needs at least one institution") }
        guard Set(config.institutions.map(\.name)).count == n else {
            throw ApiaryError(.invalidArgument, "institution names must be unique")
        }
        let quorum = config.quorum ?? n
        guard (1...n).contains(quorum) else { throw ApiaryError(.invalidArgument, "quorum must be in 1...\(n), got \(quorum)") }
        guard (0..<1).contains(config.qualityBudgetShare) else {
            throw ApiaryError(.invalidArgument, "quality budget share must be in [0, 1)")
        }
        if let gate = config.qualityGate {
            guard config.holdoutPath != nil else {
                throw ApiaryError(.invalidArgument, "a quality gate needs a holdout (--holdout FILE): it checks the quality round's scores")
            }
            try gate.validate(schema: config.schema, qualityBudgetShare: config.qualityBudgetShare, field: "quality gate")
        }
        try PaillierParameters.validate(modulusBits: config.keyBits)
        if let rows = config.rows, rows < 1 { throw ApiaryError(.invalidArgument, "rows must be at least 1") }
        // A t-of-n threshold key dealt to the institutions (t of them decrypt each aggregate),
        // or one full key with a threshold of 0.
        let threshold = config.threshold ?? (n >= 2 ? n / 2 + 1 : 0)
        guard (0...n).contains(threshold) else { throw ApiaryError(.invalidArgument, "threshold must be in 0...\(n), got \(threshold)") }
        return (quorum, threshold)
    }

    /// Every institution's table, read and checked against the schema.
    private func readInstitutions(with reader: CSVReader, progress: (String) -> Void) throws -> [Table] {
        try configuration.institutions.map { institution in
            let result = try reader.read(path: institution.path, name: institution.path)
            // A header without rows (or, refused by the reader, rows all skipped) would add only noise.
            guard result.rowsSeen > 0 else {
                throw ApiaryError(.invalidData, "\(institution.path) (institution \(institution.name)) has a header but no data rows")
            }
            progress("\(institution.name): read \(result.table.rowCount) rows" + (result.skippedRows > 0 ? ", skipped \(result.skippedRows) bad rows" : ""))
            // Where, not what: an issue names file, line, column and problem, never a cell.
            for issue in result.issues.prefix(5) { progress("\(institution.name): skipped \(issue)") }
            if result.skippedRows > 5 { progress("\(institution.name): ... and \(result.skippedRows - 5) more skipped rows") }
            return result.table
        }
    }

    /// The holdout's rows dealt round-robin to the institutions; nil without a quality round.
    private func readHoldouts(with reader: CSVReader, institutions n: Int, progress: (String) -> Void) throws -> [Table]? {
        guard let holdoutPath = configuration.holdoutPath, configuration.qualityBudgetShare > 0 else { return nil }
        let holdoutRead = try reader.read(path: holdoutPath)
        if holdoutRead.skippedRows > 0 {
            progress("holdout: skipped \(holdoutRead.skippedRows) rows that do not fit the schema")
            for issue in holdoutRead.issues.prefix(5) { progress("holdout: skipped \(issue)") }
        }
        return (0..<n).map { index in holdoutRead.table.filter { $0 % n == index } }
    }

    /// One plan for every release of the run (the generator's and, with `qualityRound`, the
    /// quality round's), checked against the budget at the quorum, as each institution checks it.
    private func privacyPlan(generator: any Generator, quorum: Int, qualityRound: Bool, progress: (String) -> Void) throws -> PrivacyPlan {
        let config = configuration
        var releases = try generator.plannedReleases(schema: config.schema)
        if qualityRound {
            releases.append(QualityScoreQuery.plannedRelease(share: config.qualityBudgetShare, generatorReleases: releases, schema: config.schema))
        }
        let plan = try PrivacyPlan.calibrate(releases: releases, epsilon: config.epsilon, delta: config.delta, quorum: quorum)
        guard plan.isPrivate else {
            progress("privacy plan: NO NOISE (epsilon = infinity); the output is not differentially private")
            return plan
        }
        let atQuorum = try plan.accountedEpsilon(contributors: Dictionary(uniqueKeysWithValues: releases.map { ($0.name, quorum) }))
        guard atQuorum.epsilon <= config.epsilon * (1 + 1e-9) else {
            throw ApiaryError(.budgetExceeded, "the plan would spend epsilon \(atQuorum.epsilon) above the budget \(config.epsilon)")
        }
        progress("privacy plan: epsilon \(String(format: "%.4f", atQuorum.epsilon)) at delta \(config.delta) with \(quorum) contributors, \(releases.count) releases")
        if atQuorum.epsilon < config.epsilon / 2 {
            // Each institution adds at least the smallest noise share the mechanism allows.
            progress("privacy plan: the least noise the institutions can add already gives epsilon \(String(format: "%.4f", atQuorum.epsilon)), well below the \(config.epsilon) asked for; use --epsilon inf for a run without noise")
        }
        return plan
    }

    /// The consortium's Paillier key: dealt to the institutions when `threshold` >= 1, else one full key.
    private func consortiumKey(institutions n: Int, threshold: Int,
                               progress: (String) -> Void) throws -> (PaillierPublicKey, any AggregateDecryptor) {
        let keyBits = configuration.keyBits
        if threshold >= 1 {
            progress("dealing a \(keyBits)-bit threshold Paillier key, \(threshold) of \(n) institutions decrypt")
            let dealing = try ThresholdDealer.deal(modulusBits: keyBits, parties: n, threshold: threshold)
            return (dealing.publicKey.paillier, ThresholdCommitteeDecryptor(dealing: dealing))
        }
        progress("generating a \(keyBits)-bit Paillier key (full-key decryption)")
        let privateKey = try PaillierKeyGenerator.generate(modulusBits: keyBits)
        return (privateKey.publicKey, FullKeyDecryptor(privateKey: privateKey))
    }

    /// The quality round: each institution scores the published candidate against its share
    /// of the holdout, through the same secure path; nil scores when the noise hides them.
    private func qualityRound(candidateBytes: [UInt8], candidateSHA256: String, round: Int, plan: PrivacyPlan,
                              tables: [Table], holdouts: [Table], publicKey: PaillierPublicKey, decryptor: any AggregateDecryptor,
                              progress: (String) -> Void) throws -> (SecureQualityScores?, RoundOutcome) {
        let schema = configuration.schema
        // What the agents score is the file as published, read back and checked by its hash.
        let candidate = try CSVReader(schema: schema).read(bytes: candidateBytes, name: "synthetic.csv").table
        let query = QualityScoreQuery.forSchema(schema, candidateSHA256: candidateSHA256)
        let task = try QualityScoreQuery.roundTask(candidateSHA256: candidateSHA256, round: round, plan: plan, schema: schema)
        let classifier = schema.targetIndex.flatMap { target in
            schema.positiveTargetCode.map { TargetClassifier(training: candidate, target: target, positiveCode: $0, steps: query.trainingSteps) }
        }
        let outcome = try runRound(task, tables: tables, publicKey: publicKey, decryptor: decryptor,
                                   progress: progress) { index in
            try LocalContribution.compute(task: task, table: tables[index], holdout: holdouts[index], candidate: candidate,
                                          classifier: classifier, random: random(institution: index, round: task.round))
        }
        let scores = try query.reportedScores(outcome.sums[0], noiseVariance: outcome.noiseVariance(block: 0), schema: schema)
        if scores == nil { progress("quality: withheld, too few holdout records to tell from the noise") }
        return (scores, outcome)
    }

    /// One round: every institution's noisy vector packed and encrypted, summed, decrypted, decoded.
    private func runRound(_ task: RoundTask, tables: [Table], publicKey: PaillierPublicKey, decryptor: any AggregateDecryptor,
                          progress: (String) -> Void, contribution: (Int) throws -> [Int64]) throws -> RoundOutcome {
        let schema = configuration.schema
        let count = task.outputCount(schema: schema)
        let layout = try task.packingLayout(modulusBits: publicKey.modulusBits, maxSummands: tables.count)
        let codec = try PackedCodec(layout: layout, encoding: .signedInteger)
        var accumulator = CiphertextAccumulator(publicKey: publicKey, count: layout.plaintextCount(for: count))
        for index in tables.indices {
            let vector = try contribution(index)
            let ciphertexts = try publicKey.encrypt(try codec.encode(integers: vector))
            try accumulator.add(ciphertexts)
        }
        let plaintexts = try decryptor.decrypt(accumulator.ciphertexts, roundID: "\(task.generator)-round-\(task.round)")
        let decoded = try codec.decodeIntegers(plaintexts, count: count, contributors: tables.count)
        progress("round \(task.round) (\(task.blocks.map(\.release).joined(separator: ", "))): \(tables.count) institutions, \(count) values in \(accumulator.count) ciphertexts, aggregate \(accumulator.hash.prefix(16))")
        return RoundOutcome(task: task, sums: try task.split(decoded, schema: schema), contributors: tables.count)
    }

    private func record(_ block: MeasurementBlock, round: Int, contributors: Int, coordinates: Int) -> ReleaseRecord {
        let (l1, l2) = block.query.sensitivity
        return ReleaseRecord(name: block.release, round: round, l1: l1, l2: l2,
                             totalMu: block.noise?.actualTotalMu(contributors: contributors) ?? 0,
                             contributors: contributors, coordinates: coordinates)
    }

    /// Noise and sampling randomness: OpenSSL (buffered) unless a seed was given.
    private func random(institution: Int, round: Int) -> any RandomSource {
        guard let seed = configuration.seed else { return BufferedRandom() }
        return SeededRandom(seed: seed ^ (UInt64(institution + 1) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(round) &* 0xC2B2_AE3D_27D4_EB4F))
    }
}

/// Wall time per phase of a run, for the `timings` of `SimulationResult`.
private struct PhaseTimer {
    private let start = Date()
    private var phaseStart = Date()
    private(set) var timings: [String: Double] = [:]

    /// Adds the time since the previous lap (or the start) to `name`.
    mutating func lap(_ name: String) {
        let now = Date()
        timings[name, default: 0] += now.timeIntervalSince(phaseStart)
        phaseStart = now
    }

    /// Seconds since the timer was made.
    var elapsed: Double { Date().timeIntervalSince(start) }
}
