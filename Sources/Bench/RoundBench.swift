import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import AgentKit
import CoordinatorKit
import Shared

/// `apiary-bench round`: whole rounds with every party in one process (the coordinator's
/// engine and router, N `AgentRunner`s over `InMemoryTransport`), real threshold keys, and the
/// crypto floor of the same run. See `usage` and docs/round-bench.md for the method.
enum RoundBench {
    static let usage = """
    Usage: apiary-bench round --agents N --values P [--threshold 3] [--committee 3] [--bits 2048]
                              [--rounds R] [--json]
           apiary-bench round --coordinator-only --agents 100 --values 100000 [--json]

    All parties in one process: the coordinator's engine behind its HTTP router, N agents
    (AgentRunner over InMemoryTransport, one thread each, state on disk as in production), each
    contributing a fixed random vector of P integers (already "noised"), packed as the real
    tasks do (16-bit values, maxSummands = N) and encrypted under a t-of-K threshold key dealt
    once; the committee is the first K agents (default K = 3 = t).

    Per round (median of R rounds after one warm-up round):
      round_s          wall time from openRound to the applier receiving the decoded sums;
                       the median of the quiet rounds (other processes used < 5% of the
                       machine, from /proc/stat) if any, else of all rounds
      round_cpu_s      process CPU seconds (all parties) over the round
    Warm-up round (parties run one after another, each party's calls timed with the process
    CPU clock, the coordinator's share measured inside its HTTP handler): per-party CPU seconds.
    Crypto floor, timed in isolation after the rounds, each item on one thread with the thread
    CPU clock, items spread over the cores: N updates packed and encrypted, N-1 homomorphic
    additions per ciphertext, t partial decryptions of the aggregate with proofs, their t
    verifications and one combination; crypto_floor_s = their CPU seconds / cores.
    coordinator_peak_rss_mb: VmHWM of a child process that replays the last round's stored
    updates and partial decryptions into a fresh engine (no agents, no router).

    --coordinator-only: only the engine's memory: N updates are encrypted and fed to an engine,
    t partial decryptions computed, then a child process replays them; reports its peak RSS
    against the target 3 x (one aggregate ciphertext vector) + 50 MB (`ratio` = peak / target).

    Options:
      --agents N      agents (3...200, default 5)
      --values P      integers per update (default 10000)
      --threshold t   decryption threshold (default 3)
      --committee K   committee size, the first K agents (t...5, default t)
      --bits B        modulus size (default 2048; 1024 for a quick look)
      --rounds R      timed rounds after the warm-up (1...20, default 3)
      --json          one JSON object: round_s, crypto_floor_s, coordinator_peak_rss_mb, ...
    """

    static func run(_ arguments: [String]) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) { return usage }
        let options = try CommandLineOptions(arguments, valued: ["agents", "values", "threshold", "committee", "bits", "rounds", "replay", "key"],
                                             flags: ["json", "coordinator-only"])
        if let replayDirectory = options.string("replay") {
            return try Replay.run(roundDirectory: replayDirectory, keyDirectory: try options.required("key"))
        }
        let agents = try options.int("agents", default: 5, in: 3...200)!
        let values = try options.int("values", default: 10_000, in: 1...10_000_000)!
        let threshold = try options.int("threshold", default: 3, in: 1...5)!
        let committee = try options.int("committee", default: threshold, in: threshold...min(5, agents))!
        let bits = try options.int("bits", default: 2048)!
        try PaillierParameters.validate(modulusBits: bits)
        let rounds = try options.int("rounds", default: 3, in: 1...20)!
        let json = options.has("json")
        let configuration = Configuration(agents: agents, values: values, threshold: threshold, committee: committee, bits: bits,
                                          rounds: rounds, verbose: true)
        if options.has("coordinator-only") {
            return try coordinatorOnly(configuration, json: json)
        }
        return try full(configuration, json: json)
    }

    struct Configuration {
        let agents: Int, values: Int, threshold: Int, committee: Int, bits: Int, rounds: Int
        let verbose: Bool
        var names: [String] { (1...agents).map { String(format: "agent-%03d", $0) } }
        var committeeNames: [String] { Array(names.prefix(committee)) }
        var seats: [String: Int] { Dictionary(uniqueKeysWithValues: committeeNames.enumerated().map { ($1, $0 + 1) }) }
        var layout: PackingLayout { try! PackingLayout(valueBits: 16, maxSummands: agents, modulusBits: bits) }
        var ciphertexts: Int { layout.plaintextCount(for: values) }
        /// Bytes of one encoded ciphertext vector (header + count + C ciphertexts of 2|n|/8 bytes).
        var vectorBytes: Int { 11 + ciphertexts * 2 * bits / 8 }
        var quorum: Int { min(3, agents) }
        static let cost = PrivacyCost(mechanisms: [.skellam(mu: 1e8, l1: 1, l2: 1)])

        func progress(_ text: String) { if verbose { FileHandle.standardError.write(Data((text + "\n").utf8)) } }

        func ledgerKey(_ name: String) -> Ed25519PrivateKey {
            try! Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("round-bench:\(name)".utf8)))
        }

        func policy() -> CoordinatorEngine.Policy {
            CoordinatorEngine.Policy(agentKeys: Dictionary(uniqueKeysWithValues: names.map { ($0, ledgerKey($0).publicKey) }),
                                     committeeSeats: seats, quorum: quorum, collectionSeconds: 3_600, failAfterSeconds: 7_200,
                                     decryptionTimeout: 3_600)
        }

        func task(round: UInt64) -> UpdateTask {
            UpdateTask(roundId: round, step: GeneratorStep(generator: "bench", name: "fixed-vector", parameters: "{}"), valueCount: values,
                       ciphertextCount: ciphertexts, packing: PackingSpec(modulusBits: bits, valueBits: 16, maxSummands: agents),
                       quorum: quorum, privacyCost: Self.cost, deadline: Date().addingTimeInterval(3_600), modelHashIn: nil)
        }
    }

    // MARK: Full rounds

    static func full(_ config: Configuration, json: Bool) throws -> String {
        let load = loadAverage()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let root = NSTemporaryDirectory() + "apiary-round-bench-\(getpid())"
        try DurableFile.makeDirectory(root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        Log.minimumLevel = .warning

        config.progress("dealing a \(config.bits)-bit \(config.threshold)-of-\(config.committee) threshold key...")
        let dealing = try ThresholdDealer.deal(modulusBits: config.bits, parties: config.committee, threshold: config.threshold)
        let key = dealing.publicKey
        _ = key.paillier.fixedBaseTableBytes  // agents share one public key value: build its table before timing
        let keyDirectory = root + "/key"
        try saveKey(key, directory: keyDirectory)

        // Each agent's fixed, already-noised vector: uniform in [-30000, 30000] (fits 16-bit offset packing).
        let random = SystemRandom()
        let vectors: [[Int64]] = (0..<config.agents).map { _ in (0..<config.values).map { _ in Int64(random.uniform(below: 60_001)) - 30_000 } }
        var expected = [Int64](repeating: 0, count: config.values)
        for vector in vectors { for index in 0..<config.values { expected[index] += vector[index] } }

        let applier = BenchApplier()
        let store = try RoundStore(root: root + "/coordinator")
        let engine = try CoordinatorEngine(policy: config.policy(), thresholdKey: key, store: store, applier: applier)
        let meter = CoordinatorMeter()
        let handler = MeteredRouter(router: CoordinatorRouter(engine: engine, metrics: CoordinatorMetrics(server: nil)), meter: meter)
        let seats = config.seats
        let runners: [AgentRunner] = try config.names.enumerated().map { index, name in
            let agentStore = try AgentStore(root: root + "/agents/\(name)")
            let budget = try PrivacyBudgetLedger(fileURL: agentStore.budgetFile, budget: try PrivacyBudget(epsilon: 1_000, delta: 1e-3))
            let peer = PeerIdentity(name: name, role: .agent, consortium: "bench", fingerprint: String(repeating: "0", count: 64))
            return AgentRunner(name: name, transport: InMemoryTransport(handler: handler, peer: peer), ledgerKey: config.ledgerKey(name),
                               share: seats[name].map { seat in dealing.shares.first { $0.partyId == seat }! }, paillier: key.paillier,
                               memberKeys: config.policy().agentKeys, budget: budget, store: agentStore,
                               computation: FixedVector(values: vectors[index]))
        }
        let driver = Driver(config: config, engine: engine, applier: applier, meter: meter, runners: runners)

        // Warm-up round, parties one after another: per-party CPU.
        config.progress("warm-up round (parties in turn, per-party CPU)...")
        let accounting = try driver.sequentialRound(id: 1)
        try check(engine, expected: expected, round: 1)

        // Timed rounds, every agent on its own thread.
        var walls: [Double] = [], cpus: [Double] = [], others: [Double] = []
        for round in 0..<config.rounds {
            let id = UInt64(round + 2)
            config.progress("timed round \(round + 1)/\(config.rounds)...")
            let (wall, cpu, other) = try driver.concurrentRound(id: id)
            others.append(other)
            try check(engine, expected: expected, round: id)
            walls.append(wall)
            cpus.append(cpu)
            if let state = engine.currentRound, let opened = state.stageEnteredAt["open"], let decrypting = state.stageEnteredAt["decrypting"],
               let applied = state.stageEnteredAt["applied"] {
                config.progress(String(format: "  round_s %.3f, cpu %.3f s (collection %.3f s, decryption %.3f s), other processes' cpu %.2f s", wall, cpu,
                                       decrypting.timeIntervalSince(opened), applied.timeIntervalSince(decrypting), other))
            }
        }
        let lastRound = UInt64(config.rounds + 1)
        let processPeak = memoryStatus("VmHWM")

        config.progress("crypto floor, each item timed in isolation...")
        let floor = try Floor.measure(config: config, dealing: dealing, vectors: vectors, store: store, round: lastRound, cores: cores)

        config.progress("coordinator memory: replaying round \(lastRound) into a fresh engine in a child process...")
        let replay = try spawnReplay(roundDirectory: store.root + "/rounds/\(lastRound)", keyDirectory: keyDirectory)

        // Rounds during which other processes (another tenant of the 2 cores) used less than 5% of
        // the machine are "quiet"; round_s is their median when there is one, else all rounds'.
        let quiet = walls.indices.filter { others[$0] < 0.05 * Double(cores) * walls[$0] }
        let roundSeconds = quiet.isEmpty ? BenchTimer.median(walls) : BenchTimer.median(quiet.map { walls[$0] })
        let floorSeconds = floor.total / Double(cores)
        let target = 3 * Double(config.vectorBytes) / 1_048_576 + 50
        let contributorsOnly = config.names.filter { seats[$0] == nil }.compactMap { accounting.agents[$0] }
        let committeeCPU = config.committeeNames.compactMap { accounting.agents[$0] }
        let figures: [(String, Double)] = [
            ("round_s", roundSeconds),
            ("crypto_floor_s", floorSeconds),
            ("coordinator_peak_rss_mb", replay.peak),
            ("agents", Double(config.agents)),
            ("values", Double(config.values)),
            ("ciphertexts", Double(config.ciphertexts)),
            ("ratio", roundSeconds / floorSeconds),
            ("rounds", Double(config.rounds)),
            ("quiet_rounds", Double(quiet.count)),
            ("round_s_all_median", BenchTimer.median(walls)),
            ("round_s_min", walls.min()!),
            ("round_s_max", walls.max()!),
            ("round_cpu_s", BenchTimer.median(cpus)),
            ("other_processes_cpu_s", BenchTimer.median(others)),
            ("cores", Double(cores)),
            ("threshold", Double(config.threshold)),
            ("committee", Double(config.committee)),
            ("bits", Double(config.bits)),
            ("slots_per_plaintext", Double(config.layout.slotsPerPlaintext)),
            ("floor_encrypt_cpu_s", floor.encrypt),
            ("floor_add_cpu_s", floor.add),
            ("floor_partial_cpu_s", floor.partial),
            ("floor_verify_cpu_s", floor.verify),
            ("floor_combine_cpu_s", floor.combine),
            ("floor_cpu_s", floor.total),
            ("warmup_round_s", accounting.wall),
            ("warmup_cpu_s", accounting.total),
            ("coordinator_cpu_s", accounting.coordinator),
            ("agent_cpu_s_mean", mean(contributorsOnly.isEmpty ? committeeCPU : contributorsOnly)),
            ("committee_agent_cpu_s_mean", mean(committeeCPU)),
            ("process_peak_rss_mb", processPeak),
            ("coordinator_baseline_rss_mb", replay.baseline),
            ("coordinator_collect_peak_rss_mb", replay.collectPeak),
            ("aggregate_mb", Double(config.vectorBytes) / 1_048_576),
            ("memory_target_mb", target),
            ("memory_ratio", replay.peak / target),
            ("load_average_1m", load),
        ]
        if json { return BenchReport.json(figures) }
        var lines = [
            "Round, \(config.agents) agents x \(config.values) values, \(config.bits)-bit, t = \(config.threshold) of committee \(config.committee) (first \(config.committee) agents), \(BenchReport.machine()), load \(String(format: "%.2f", load)) at start",
            "\(config.ciphertexts) ciphertexts per update (\(config.layout.slotsPerPlaintext) slots of \(config.layout.slotWidth) bits); median of \(config.rounds) rounds after a warm-up",
            "",
        ] + BenchReport.table(figures)
        lines += [
            "",
            String(format: "round_s / crypto_floor_s          %.2fx   (target <= 1.2x)", roundSeconds / floorSeconds),
            String(format: "coordinator peak RSS               %.1f MB = %.2fx of 3 x %.2f MB + 50 MB   (target <= 1x)",
                   replay.peak, replay.peak / target, Double(config.vectorBytes) / 1_048_576),
            "per-party CPU (warm-up round): " + config.names.map { String(format: "%@ %.2f", $0, accounting.agents[$0] ?? 0) }.joined(separator: ", ")
                + String(format: ", coordinator %.2f", accounting.coordinator),
        ]
        return lines.joined(separator: "\n")
    }

    static func check(_ engine: CoordinatorEngine, expected: [Int64], round: UInt64) throws {
        guard let state = engine.currentRound, state.id == round, state.stage == .applied else {
            throw ApiaryError(.verificationFailed, "round \(round) did not reach applied: \(engine.currentRound.map { "\($0.stage.rawValue) \($0.failureReason ?? "")" } ?? "none")")
        }
        guard engine.lastSums == expected else { throw ApiaryError(.verificationFailed, "round \(round) decoded wrong sums") }
        try engine.completeRound(ledgerIndex: round)
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

    // MARK: Coordinator only

    static func coordinatorOnly(_ config: Configuration, json: Bool) throws -> String {
        let root = NSTemporaryDirectory() + "apiary-round-bench-\(getpid())"
        try DurableFile.makeDirectory(root)
        defer { try? FileManager.default.removeItem(atPath: root) }
        Log.minimumLevel = .warning
        let cores = ProcessInfo.processInfo.activeProcessorCount
        config.progress("dealing a \(config.bits)-bit \(config.threshold)-of-\(config.committee) threshold key...")
        let dealing = try ThresholdDealer.deal(modulusBits: config.bits, parties: config.committee, threshold: config.threshold)
        let key = dealing.publicKey
        let keyDirectory = root + "/key"
        try saveKey(key, directory: keyDirectory)
        let store = try RoundStore(root: root + "/coordinator")
        let engine = try CoordinatorEngine(policy: config.policy(), thresholdKey: key, store: store, applier: BenchApplier())
        let task = config.task(round: 1)
        try engine.openRound(task)
        let codec = try PackedCodec(layout: config.layout, encoding: .signedInteger)
        let random = SystemRandom()
        config.progress("encrypting \(config.agents) updates of \(config.ciphertexts) ciphertexts and feeding them to an engine...")
        let started = Date()
        for name in config.names {
            let vector = (0..<config.values).map { _ in Int64(random.uniform(below: 60_001)) - 30_000 }
            let body = PaillierKeyCodec.encode(try key.paillier.encrypt(try codec.encode(integers: vector), threads: cores), key: key.paillier)
            let signature = try config.ledgerKey(name).signature(for: ContributionRecord.signedMessage(roundId: 1, updateHash: SHA256.hash(body)))
            _ = try engine.submitUpdate(round: 1, agent: name, body: body, signatureHex: signature.hexString)
        }
        guard let state = engine.currentRound, state.stage == .decrypting, let hash = state.aggregateHash,
              let aggregateBytes = try store.aggregate(round: 1) else {
            throw ApiaryError(.verificationFailed, "the engine did not close collection")
        }
        config.progress(String(format: "  %.1f s; %d partial decryptions of the aggregate...", Date().timeIntervalSince(started), config.threshold))
        let aggregate = try PaillierKeyCodec.decodeVector(aggregateBytes, key: key.paillier)
        let context = try DecryptionContext(roundId: "1", aggregateHash: [UInt8](hexString: hash)!)
        for share in dealing.shares.prefix(config.threshold) {
            let party = config.seats.first { $0.value == share.partyId }!.key
            let partial = try share.partiallyDecrypt(aggregate, context: context, threads: cores)
            _ = try engine.submitPartial(round: 1, party: party, body: try ThresholdKeyCodec.encode(partial, key: key))
        }
        guard engine.currentRound?.stage == .applied else { throw ApiaryError(.verificationFailed, "the engine did not apply the round") }
        config.progress("replaying the round into a fresh engine in a child process...")
        let replay = try spawnReplay(roundDirectory: store.root + "/rounds/1", keyDirectory: keyDirectory)
        let vectorMB = Double(config.vectorBytes) / 1_048_576
        let target = 3 * vectorMB + 50
        let figures: [(String, Double)] = [
            ("round_s", .nan), ("crypto_floor_s", .nan),
            ("coordinator_peak_rss_mb", replay.peak),
            ("agents", Double(config.agents)), ("values", Double(config.values)), ("ciphertexts", Double(config.ciphertexts)),
            ("ratio", replay.peak / target),
            ("aggregate_mb", vectorMB),
            ("memory_target_mb", target),
            ("coordinator_baseline_rss_mb", replay.baseline),
            ("coordinator_collect_peak_rss_mb", replay.collectPeak),
            ("peak_above_baseline_in_vectors", (replay.peak - replay.baseline) / vectorMB),
            ("replay_collect_s", replay.collectSeconds),
            ("replay_decrypt_s", replay.decryptSeconds),
        ]
        if json { return BenchReport.json(figures) }
        var lines = ["Coordinator memory, \(config.agents) updates x \(config.values) values (\(config.ciphertexts) ciphertexts), \(config.bits)-bit, t = \(config.threshold)", ""]
        lines += BenchReport.table(figures.filter { !$0.1.isNaN })
        lines.append(String(format: "\npeak %.1f MB / target %.1f MB (3 x %.2f MB + 50 MB) = %.2fx", replay.peak, target, vectorMB, replay.peak / target))
        return lines.joined(separator: "\n")
    }

    // MARK: Helpers

    static func saveKey(_ key: ThresholdPublicKey, directory: String) throws {
        try DurableFile.makeDirectory(directory)
        try DurableFile.write(PaillierKeyCodec.encode(key.paillier), to: directory + "/paillier.pub")
        try DurableFile.write(ThresholdKeyCodec.encodeVerificationKeys(key), to: directory + "/verification.keys")
    }

    static func loadKey(directory: String) throws -> ThresholdPublicKey {
        guard let paillier = try DurableFile.read(directory + "/paillier.pub"),
              let verification = try DurableFile.read(directory + "/verification.keys") else {
            throw ApiaryError(.notFound, "no key in \(directory)")
        }
        return try ThresholdKeyCodec.decodePublicKey(paillierPublicKey: paillier, verificationKeys: verification)
    }

    struct ReplayFigures { var peak = 0.0, baseline = 0.0, collectPeak = 0.0, collectSeconds = 0.0, decryptSeconds = 0.0 }

    /// Runs `apiary-bench round --replay DIR --key DIR` and parses its JSON.
    static func spawnReplay(roundDirectory: String, keyDirectory: String) throws -> ReplayFigures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        process.arguments = ["round", "--replay", roundDirectory, "--key", keyDirectory]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let object = try JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw ApiaryError(.io, "the replay child failed (status \(process.terminationStatus)): \(String(decoding: output, as: UTF8.self))")
        }
        func value(_ name: String) -> Double { (object[name] as? NSNumber)?.doubleValue ?? .nan }
        return ReplayFigures(peak: value("peak_rss_mb"), baseline: value("baseline_rss_mb"), collectPeak: value("collect_peak_rss_mb"),
                             collectSeconds: value("collect_s"), decryptSeconds: value("decrypt_s"))
    }

    static func loadAverage() -> Double {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.flatMap { Double($0) } ?? .nan
    }

    /// A field of /proc/self/status in MB (VmHWM: peak resident set; VmRSS: current).
    static func memoryStatus(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return .nan }
        return kilobytes / 1024
    }

    static func processCPU() -> Double { clockSeconds(CLOCK_PROCESS_CPUTIME_ID) }

    /// Busy CPU seconds of the whole machine (all processes) from /proc/stat: user + nice +
    /// system + irq + softirq + steal, in clock ticks of 1/100 s.
    static func machineBusyCPU() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return .nan }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return .nan }
        return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]) / 100
    }
    static func threadCPU() -> Double { clockSeconds(CLOCK_THREAD_CPUTIME_ID) }
    static func clockSeconds(_ clock: clockid_t) -> Double {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Runs `jobs` on `threads` threads; returns each job's CPU seconds on the thread that ran it.
    static func threadCPUTimes(_ jobs: [@Sendable () throws -> Void], threads: Int) throws -> [Double] {
        let results = Box<[Double]>(Array(repeating: 0, count: jobs.count))
        let failure = Box<String?>(nil)
        let next = Box(0)
        let group = DispatchGroup()
        for _ in 0..<max(1, min(threads, jobs.count)) {
            group.enter()
            Thread {
                defer { group.leave() }
                while true {
                    let index: Int = next.update { value in defer { value += 1 }; return value }
                    guard index < jobs.count else { return }
                    let start = threadCPU()
                    do { try jobs[index]() } catch { failure.update { $0 = "\(error)" } }
                    let seconds = threadCPU() - start
                    results.update { $0[index] = seconds }
                }
            }.start()
        }
        group.wait()
        if let message = failure.value { throw ApiaryError(.cryptoFailure, message) }
        return results.value
    }
}

/// A value behind a lock, shared by bench threads.
final class Box<T>: @unchecked Sendable {
    // Why @unchecked: `stored` is only touched under `lock`.
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func update<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&stored) } }
}

/// An agent's local computation in the bench: a fixed vector, already noised.
struct FixedVector: LocalComputation {
    let values: [Int64]
    func privacyCost(of task: UpdateTask) throws -> PrivacyCost { RoundBench.Configuration.cost }
    func privacyCost(of task: UpdateTask, contributors: Int) throws -> PrivacyCost { RoundBench.Configuration.cost }
    func noisyVector(for task: UpdateTask, random: any RandomSource) throws -> [Int64] { values }
}

/// Records when the engine applied a round (the end of `round_s`).
final class BenchApplier: RoundApplier, @unchecked Sendable {
    // Why @unchecked: `applied` is only touched under `lock`.
    private let lock = NSLock()
    private var applied: [UInt64: Double] = [:]
    func apply(round: RoundState, task: UpdateTask, sums: [Int64]) throws -> (modelHash: String, next: UpdateTask?) {
        let time = RoundBench.now()
        lock.withLock { applied[round.id] = time }
        return (String(repeating: "0", count: 64), nil)
    }
    func appliedAt(_ round: UInt64) -> Double? { lock.withLock { applied[round] } }
}

/// CPU seconds spent inside the coordinator's handler, when enabled (parties in turn only).
final class CoordinatorMeter: @unchecked Sendable {
    // Why @unchecked: both fields are only touched under `lock`.
    private let lock = NSLock()
    private var enabled = false
    private var seconds = 0.0
    var isEnabled: Bool {
        get { lock.withLock { enabled } }
        set { lock.withLock { enabled = newValue } }
    }
    var total: Double { lock.withLock { seconds } }
    func add(_ value: Double) { lock.withLock { seconds += value } }
}

/// The router with the coordinator's CPU measured around each request (process CPU clock, valid
/// only while nothing else runs: the warm-up round runs parties in turn).
struct MeteredRouter: HTTPHandler {
    let router: CoordinatorRouter
    let meter: CoordinatorMeter
    var routes: [RouteDeclaration] { router.routes }
    func handle(_ request: HTTPRequest, peer: PeerIdentity) -> HTTPResponse {
        guard meter.isEnabled else { return router.handle(request, peer: peer) }
        let start = RoundBench.processCPU()
        let response = router.handle(request, peer: peer)
        meter.add(RoundBench.processCPU() - start)
        return response
    }
}

/// Drives rounds: all parties in turn (accounting) or every agent on its own thread (timed).
struct Driver {
    let config: RoundBench.Configuration
    let engine: CoordinatorEngine
    let applier: BenchApplier
    let meter: CoordinatorMeter
    let runners: [AgentRunner]

    struct Accounting { var wall = 0.0, total = 0.0, coordinator = 0.0, agents: [String: Double] = [:] }

    /// One round with the parties acting one after another; CPU by party.
    func sequentialRound(id: UInt64) throws -> Accounting {
        var result = Accounting()
        meter.isEnabled = true
        defer { meter.isEnabled = false }
        let coordinatorStart = meter.total
        let cpuStart = RoundBench.processCPU()
        let start = RoundBench.now()
        try engine.openRound(config.task(round: id))
        func step(_ runner: AgentRunner) throws -> AgentRunner.Outcome {
            let cpu = RoundBench.processCPU(), coordinator = meter.total
            let outcome = try runner.runOnce(wait: 0)
            result.agents[runner.name, default: 0] += (RoundBench.processCPU() - cpu) - (meter.total - coordinator)
            return outcome
        }
        for runner in runners {
            guard case .submitted = try step(runner) else { throw ApiaryError(.protocolViolation, "\(runner.name) did not submit") }
        }
        for runner in runners where config.seats[runner.name] != nil {
            _ = try step(runner)
        }
        result.wall = (applier.appliedAt(id) ?? .nan) - start
        result.total = RoundBench.processCPU() - cpuStart
        result.coordinator = meter.total - coordinatorStart
        return result
    }

    /// One round with every agent polling on its own thread; wall time open -> applied and process CPU.
    func concurrentRound(id: UInt64) throws -> (wall: Double, cpu: Double, others: Double) {
        let group = DispatchGroup()
        let failure = Box<String?>(nil)
        let seats = config.seats
        for runner in runners {
            group.enter()
            let engine = self.engine
            Thread {
                defer { group.leave() }
                let onCommittee = seats[runner.name] != nil
                do {
                    while true {
                        let outcome = try runner.runOnce(wait: 2)
                        switch outcome {
                        case .submitted:
                            if !onCommittee { return }
                        case .decrypted:
                            return
                        case .idle, .cosigned:
                            if let state = engine.currentRound, state.id == id, [.applied, .failed, .committed].contains(state.stage) { return }
                        case .declined(_, let reason), .refusedToDecrypt(_, let reason):
                            failure.update { $0 = "\(runner.name): \(reason)" }
                            return
                        }
                    }
                } catch {
                    failure.update { $0 = "\(runner.name): \(error)" }
                }
            }.start()
        }
        let cpuStart = RoundBench.processCPU(), machineStart = RoundBench.machineBusyCPU()
        let start = RoundBench.now()
        // Utilisation timeline: process CPU sampled every 50 ms (printed with the progress lines).
        let samples = Box<[(Double, Double)]>([])
        let finished = Box(false)
        let sampler = Thread {
            while !finished.value {
                samples.update { $0.append((RoundBench.now() - start, RoundBench.processCPU() - cpuStart)) }
                usleep(50_000)
            }
        }
        sampler.start()
        try engine.openRound(config.task(round: id))
        group.wait()
        finished.update { $0 = true }
        if config.verbose {
            // Cores busy per tenth of the round.
            let points = samples.value
            let total = points.last?.0 ?? 0
            var line = "  cores busy by tenth of the round:"
            for tenth in 0..<10 {
                let from = total * Double(tenth) / 10, to = total * Double(tenth + 1) / 10
                let inside = points.filter { $0.0 >= from && $0.0 <= to }
                if let first = inside.first, let last = inside.last, last.0 > first.0 {
                    line += String(format: " %.2f", (last.1 - first.1) / (last.0 - first.0))
                }
            }
            config.progress(line)
        }
        let cpu = RoundBench.processCPU() - cpuStart
        let others = max(0, RoundBench.machineBusyCPU() - machineStart - cpu)
        if let message = failure.value { throw ApiaryError(.protocolViolation, "round \(id): \(message)") }
        guard let applied = applier.appliedAt(id) else { throw ApiaryError(.protocolViolation, "round \(id) was not applied") }
        return (applied - start, cpu, others)
    }
}

/// The unavoidable cryptographic work of a round, each item timed alone on one thread.
enum Floor {
    struct Figures { var encrypt = 0.0, add = 0.0, partial = 0.0, verify = 0.0, combine = 0.0
        var total: Double { encrypt + add + partial + verify + combine } }

    static func measure(config: RoundBench.Configuration, dealing: ThresholdDealing, vectors: [[Int64]], store: RoundStore,
                        round: UInt64, cores: Int) throws -> Figures {
        let key = dealing.publicKey
        let paillier = key.paillier
        let codec = try PackedCodec(layout: config.layout, encoding: .signedInteger)
        var figures = Figures()

        // N updates: pack P values and encrypt the plaintexts (one agent per job).
        let updates = Box<[[PaillierCiphertext]]>(Array(repeating: [], count: config.agents))
        let encryptJobs: [@Sendable () throws -> Void] = (0..<config.agents).map { index in
            { let ciphertexts = try paillier.encrypt(try codec.encode(integers: vectors[index]), threads: 1)
              updates.update { $0[index] = ciphertexts } }
        }
        figures.encrypt = try RoundBench.threadCPUTimes(encryptJobs, threads: cores).reduce(0, +)

        // N - 1 homomorphic additions per ciphertext.
        let vectorsOfCiphertexts = updates.value
        let modulus = paillier.nSquared
        figures.add = try RoundBench.threadCPUTimes([{
            var product = vectorsOfCiphertexts[0].map(\.value)
            for update in vectorsOfCiphertexts.dropFirst() {
                for index in 0..<product.count { product[index] = product[index].multiplied(by: update[index].value, modulo: modulus) }
            }
            precondition(product.count == config.ciphertexts)
        }], threads: 1).reduce(0, +)

        // t partial decryptions with proofs of the round's aggregate, their verification, one combination.
        guard let aggregateBytes = try store.aggregate(round: round) else { throw ApiaryError(.notFound, "round \(round) has no aggregate") }
        let aggregate = try PaillierKeyCodec.decodeVector(aggregateBytes, key: paillier)
        let context = try DecryptionContext(roundId: String(round), aggregateHash: SHA256.hash(aggregateBytes))
        let shares = Array(dealing.shares.prefix(config.threshold))
        let partials = Box<[PartialDecryption?]>(Array(repeating: nil, count: shares.count))
        figures.partial = try RoundBench.threadCPUTimes(shares.enumerated().map { index, share in
            { let partial = try share.partiallyDecrypt(aggregate, context: context, threads: 1)
              partials.update { $0[index] = partial } }
        }, threads: cores).reduce(0, +)
        let made = partials.value.compactMap { $0 }
        let verified = Box<[VerifiedPartialDecryption?]>(Array(repeating: nil, count: made.count))
        figures.verify = try RoundBench.threadCPUTimes(made.enumerated().map { index, partial in
            { let result = try key.verify(partial, of: aggregate, context: context, threads: 1)
              verified.update { $0[index] = result } }
        }, threads: cores).reduce(0, +)
        let checked = verified.value.compactMap { $0 }
        figures.combine = try RoundBench.threadCPUTimes([{
            _ = try key.combine(checked, threads: 1)
        }], threads: 1).reduce(0, +)
        return figures
    }
}

/// The child process of the memory measurement: a fresh engine fed a stored round's updates
/// and partial decryptions straight from disk, one at a time, as the server would.
enum Replay {
    static func run(roundDirectory: String, keyDirectory: String) throws -> String {
        Log.minimumLevel = .warning
        let key = try RoundBench.loadKey(directory: keyDirectory)
        guard let taskBytes = try DurableFile.read(roundDirectory + "/task.json"),
              let stateBytes = try DurableFile.read(roundDirectory + "/state.json") else {
            throw ApiaryError(.notFound, "\(roundDirectory) has no task or state")
        }
        let task = try ProtocolJSON.decode(UpdateTask.self, from: taskBytes, what: "task")
        let original = try ProtocolJSON.decode(RoundState.self, from: stateBytes, what: "state")
        let root = NSTemporaryDirectory() + "apiary-round-replay-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let agents = original.expectedAgents
        let committee = original.committee
        let keys = Dictionary(uniqueKeysWithValues: agents.map { name in
            (name, try! Ed25519PrivateKey(rawRepresentation: SHA256.hash(Array("round-bench:\(name)".utf8))).publicKey)
        })
        let seats = Dictionary(uniqueKeysWithValues: committee.enumerated().map { ($1, $0 + 1) })
        let policy = CoordinatorEngine.Policy(agentKeys: keys, committeeSeats: seats, quorum: original.quorum,
                                              collectionSeconds: 3_600, failAfterSeconds: 7_200, decryptionTimeout: 3_600)
        let engine = try CoordinatorEngine(policy: policy, thresholdKey: key, store: try RoundStore(root: root), applier: BenchApplier())
        let baseline = RoundBench.memoryStatus("VmRSS")
        let start = RoundBench.now()
        try engine.openRound(task)
        for agent in original.contributors {
            guard let submission = original.submissions[agent],
                  let body = try DurableFile.read(roundDirectory + "/updates/\(agent).apcv") else {
                throw ApiaryError(.notFound, "no stored update of \(agent)")
            }
            _ = try engine.submitUpdate(round: task.roundId, agent: agent, body: body, signatureHex: submission.signature)
        }
        guard engine.currentRound?.stage == .decrypting, engine.currentRound?.aggregateHash == original.aggregateHash else {
            throw ApiaryError(.verificationFailed, "the replayed aggregate differs from the original")
        }
        let collectPeak = RoundBench.memoryStatus("VmHWM")
        let collected = RoundBench.now()
        for party in original.combinedParties {
            guard let body = try DurableFile.read(roundDirectory + "/partials/\(party).bin") else {
                throw ApiaryError(.notFound, "no stored partial of \(party)")
            }
            _ = try engine.submitPartial(round: task.roundId, party: party, body: body)
        }
        guard engine.currentRound?.stage == .applied else { throw ApiaryError(.verificationFailed, "the replayed round was not applied") }
        let end = RoundBench.now()
        return BenchReport.json([
            ("peak_rss_mb", RoundBench.memoryStatus("VmHWM")), ("baseline_rss_mb", baseline), ("collect_peak_rss_mb", collectPeak),
            ("collect_s", collected - start), ("decrypt_s", end - collected),
        ])
    }
}
