import Foundation
import Shared

/// `apiary-coordinator demo`: a whole local consortium, end to end, on the bundled sample data.
public enum DemoCommand {
    public static let usage = """
    Usage: apiary-coordinator demo [--out DIR] [--json] [--key-bits 2048] [--data flchain|credit]

    Runs a local consortium end to end: provisions 3 institutions with a 2-of-3 threshold key,
    starts the coordinator and three agents as separate processes on 127.0.0.1 with the bundled
    sample table split across them (the test split as their holdouts), trains the default
    generator (federated MST) at epsilon 1, has every institution score the candidate against
    its holdout (the quality round), publishes the synthetic dataset with its datasheet and
    ledger entry, takes a licence and
    downloads it over HTTPS with the researcher's credentials, verifies it against the ledger
    with `apiary-agent verify`, stops everything and prints a summary. The sample tables are
    looked up in Deploy/sample-data above the working folder or the executable: run it from
    the repository (or a build inside it).

    Options:
      --out DIR        where kits, configuration, state, logs and results go (default ./demo-out);
                       must not exist yet or be empty
      --json           end with one JSON object: rounds, epsilon (per institution), dataset,
                       datasheet, ledger, verified, seconds, quality (the datasheet's scores)
      --key-bits N     Paillier modulus (default 2048; 1024 for a quicker trial)
      --data NAME      bundled table: flchain (medical, default) or credit (finance)
      --timeout S      give up after S seconds (default 170)
      --help           show this help
    """

    public static func run(_ arguments: [String]) throws -> Int32 {
        if CommandLineOptions.wantsHelp(arguments) { print(usage); return 0 }
        let options = try CommandLineOptions(arguments, valued: ["out", "key-bits", "data", "timeout"], flags: ["json"])
        let out = URL(fileURLWithPath: options.string("out") ?? "demo-out").standardizedFileURL.path
        let keyBits = try options.int("key-bits", default: 2048)!
        try PaillierParameters.validate(modulusBits: keyBits)
        let dataName = options.string("data") ?? "flchain"
        guard ["flchain", "credit"].contains(dataName) else { throw ApiaryError(.invalidArgument, "--data must be flchain or credit") }
        let timeout = try options.double("timeout", default: 170)!
        let json = options.has("json")
        let demo = try Demo(out: out, keyBits: keyBits, dataName: dataName, timeout: timeout, json: json)
        return try demo.run()
    }
}

/// One demo run (kept as a type so its steps read in order and clean up together).
final class Demo {
    let out: String
    let keyBits: Int
    let dataName: String
    let timeout: Double
    let json: Bool
    let institutions = ["hospital-a", "hospital-b", "clinic-c"]
    let researcher = "researcher"
    var processes: [Process] = []
    let started = Date()

    init(out: String, keyBits: Int, dataName: String, timeout: Double, json: Bool) throws {
        self.out = out
        self.keyBits = keyBits
        self.dataName = dataName
        self.timeout = timeout
        self.json = json
        if FileManager.default.fileExists(atPath: out),
           !((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).isEmpty {
            throw ApiaryError(.conflict, "\(out) already holds files (a previous demo?); give another --out or delete that folder")
        }
    }

    func say(_ line: String) {
        let elapsed = String(format: "%5.1fs", Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data("[demo \(elapsed)] \(line)\n".utf8))
    }

    func run() throws -> Int32 {
        defer { stopAll() }
        let sample = try sampleData()
        try provision()
        let port = try freePort()
        let url = "https://127.0.0.1:\(port)"
        let schema = try TableSchema.load(path: sample + "/schema.json")
        let configs = try writeConfigurations(sample: sample, schema: schema, url: url, port: port)
        try startProcesses(url: url, coordinatorConfig: configs.coordinator, agentConfigs: configs.agents)
        let researcherCredentials = try PartyKit.credentials(directory: out + "/kits/researchers/\(researcher)")
        let client = HTTPSClient(host: "127.0.0.1", port: port, tls: try TLSContext(side: .client, credentials: researcherCredentials),
                                 timeout: 30, retry: RetryPolicy(attempts: 20, baseDelay: 0.2, maxDelay: 1))
        let id = try finalDataset(client)
        say("dataset '\(id)' published and co-signed; taking a licence and downloading it as '\(researcher)'")
        let results = try download(id, client)
        let ledgerRecords = try finalLedger(client)
        let ledgerPath = results + "/ledger.apl"
        let store = try LedgerStore.open(path: ledgerPath, create: true).store
        try store.append(contentsOf: ledgerRecords)
        let verified = try verify(url: url, results: results)
        stopAll()
        return try summarise(ledgerRecords: ledgerRecords, schema: schema, results: results, ledgerPath: ledgerPath, verified: verified)
    }

    /// Step 1: the key ceremony, kits under `out/kits`.
    func provision() throws {
        try DurableFile.makeDirectory(out)
        try DurableFile.makeDirectory(out + "/logs")
        say("provisioning consortium 'demo': \(institutions.joined(separator: ", ")) (t = 2), researcher '\(researcher)', \(keyBits)-bit key")
        let request = try ProvisioningRequest(consortium: "demo", institutions: institutions, researchers: [researcher], threshold: 2,
                                              coordinatorHosts: ["127.0.0.1", "localhost"], keyBits: keyBits)
        _ = try ConsortiumProvisioner.provision(request, outputDirectory: out + "/kits") { self.say($0) }
    }

    /// Step 2: the coordinator's and each agent's configuration, and each institution's holdout
    /// for the quality round (the sample's test split, row i to institution i mod 3).
    func writeConfigurations(sample: String, schema: TableSchema, url: String, port: UInt16) throws -> (coordinator: String, agents: [String]) {
        let coordinatorConfig = out + "/coordinator.json"
        try writeJSON(["kit": "kits/coordinator", "state": "state/coordinator", "schema": sample + "/schema.json",
                       "listen": "127.0.0.1:\(port)", "generator": "mst", "epsilon": 1.0, "delta": 1e-6,
                       "collectionSeconds": 30, "decryptionSeconds": 60], to: coordinatorConfig)
        let testRows = try CSVReader(schema: schema, policy: .skip).read(path: sample + "/test.csv").table
        try DurableFile.makeDirectory(out + "/holdouts")
        var agentConfigs: [String] = []
        for (index, name) in institutions.enumerated() {
            let file = sample + "/institution-\(["a", "b", "c"][index]).csv"
            let holdout = out + "/holdouts/\(name).csv"
            try DurableFile.write(CSVWriter.encode(testRows.filter { $0 % institutions.count == index }), to: holdout, mode: 0o600)
            let path = out + "/agent-\(name).json"
            try writeJSON(["kit": "kits/institutions/\(name)", "coordinator": url, "data": file, "holdout": "holdouts/\(name).csv",
                           "schema": sample + "/schema.json", "state": "state/\(name)", "epsilon": 1.0, "delta": 1e-6,
                           "minimumQuorum": 2, "pollSeconds": 5], to: path)
            agentConfigs.append(path)
        }
        return (coordinatorConfig, agentConfigs)
    }

    /// Step 3: the coordinator and three agents, each its own process.
    func startProcesses(url: String, coordinatorConfig: String, agentConfigs: [String]) throws {
        say("starting the coordinator on \(url) and three agents (logs in \(out)/logs)")
        try launch(binaries + "/apiary-coordinator", ["serve", "--config", coordinatorConfig], log: "coordinator")
        for (name, config) in zip(institutions, agentConfigs) {
            try launch(binaries + "/apiary-agent", ["run", "--config", config], log: name)
        }
    }

    /// Step 4: follows the run as the researcher until a dataset is published and final; its id.
    func finalDataset(_ client: HTTPSClient) throws -> String {
        var lastStatus = ""
        while true {
            guard Date().timeIntervalSince(started) < timeout else {
                throw ApiaryError(.io, "the run did not finish within \(Int(timeout)) s; see the logs in \(out)/logs")
            }
            for process in processes where !process.isRunning {
                throw ApiaryError(.io, "\(process.arguments?.first ?? "a process") stopped unexpectedly (exit \(process.terminationStatus)); see \(out)/logs")
            }
            let round = try client.send(HTTPRequest(method: "GET", target: "/v1/rounds/current"))
            if round.status == 200, let object = try JSONSerialization.jsonObject(with: Data(round.body)) as? [String: Any] {
                let status = "round \(object["id"] ?? "?"): \(object["stage"] ?? "?") (\((object["submissions"] as? [String: Any])?.count ?? 0) updates)"
                if status != lastStatus { say(status); lastStatus = status }
            }
            let list = try client.send(HTTPRequest(method: "GET", target: "/v1/datasets"))
            if let object = try? JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any],
               let first = (object["datasets"] as? [[String: Any]])?.first, first["final"] as? Bool == true,
               let id = first["id"] as? String {
                return id
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Step 5: a licence, then the dataset and its datasheets over HTTPS into `out/results`.
    func download(_ id: String, _ client: HTTPSClient) throws -> String {
        let licence = try client.send(HTTPRequest(method: "POST", target: "/v1/datasets/\(id)/licence"))
        guard licence.status == 200 else { throw ApiaryError(.io, "licence refused: \(licence.bodyText)") }
        let results = out + "/results"
        try DurableFile.makeDirectory(results, mode: 0o755)
        for name in ["synthetic.csv", "datasheet.json", "datasheet.md"] {
            let response = try client.send(HTTPRequest(method: "GET", target: "/v1/datasets/\(id)/\(name)"))
            guard response.status == 200 else { throw ApiaryError(.io, "downloading \(name) failed: \(response.status) \(response.bodyText.prefix(200))") }
            try DurableFile.write(response.body, to: results + "/" + name, mode: 0o644)
        }
        return results
    }

    /// The ledger once the institutions have co-signed everything, the licence included.
    func finalLedger(_ client: HTTPSClient) throws -> [LedgerRecord] {
        var ledgerRecords = try LedgerClient(transport: client).records()
        while case .success(let report) = LedgerVerifier.verify(records: ledgerRecords), !report.pendingEntries.isEmpty {
            guard Date().timeIntervalSince(started) < timeout else {
                throw ApiaryError(.io, "ledger entries \(report.pendingEntries) were not co-signed within \(Int(timeout)) s; see \(out)/logs")
            }
            Thread.sleep(forTimeInterval: 0.3)
            ledgerRecords = try LedgerClient(transport: client).records()
        }
        say("every ledger entry is final (co-signed by the coordinator and 2 institutions)")
        return ledgerRecords
    }

    /// The downloaded dataset checked against the ledger with `apiary-agent verify`, as a researcher would.
    func verify(url: String, results: String) throws -> Bool {
        say("verifying the dataset against the ledger with apiary-agent verify")
        let verify = try capture(binaries + "/apiary-agent", ["verify", "--coordinator", url, "--kit", out + "/kits/researchers/\(researcher)",
                                                               "--dataset", results + "/synthetic.csv", "--datasheet", results + "/datasheet.json", "--json"])
        let verification = (try? JSONSerialization.jsonObject(with: Data(verify.output.utf8)) as? [String: Any]) ?? [:]
        let verified = verify.status == 0 && verification["verified"] as? Bool == true
            && verification["genesis_checked_against_kit"] as? Bool == true
            && (verification["dataset"] as? [String: Any])?["datasheet_checked"] as? Bool == true
        say(verified ? "verified: the dataset and its datasheet match their final publication entry, under the kit's genesis"
                     : "VERIFICATION FAILED: \(verify.output)")
        return verified
    }

    /// Step 6: the summary (rounds, each institution's own accountant, quality on the public
    /// test split), with `--json` one object on stdout; the exit status.
    func summarise(ledgerRecords: [LedgerRecord], schema: TableSchema, results: String, ledgerPath: String, verified: Bool) throws -> Int32 {
        let ledgerState = try Ledger(records: ledgerRecords)
        let rounds = ledgerState.entries.filter { if case .roundCommitment = $0 { true } else { false } }.count
        var epsilon: [String: Double] = [:]
        for name in institutions {
            let budget = try PrivacyBudgetLedger(fileURL: URL(fileURLWithPath: out + "/state/\(name)/budget.json"),
                                                 budget: try PrivacyBudget(epsilon: 1.0, delta: 1e-6))
            epsilon[name] = budget.spentEpsilon
        }
        let synthetic = try CSVReader(schema: schema).read(path: results + "/synthetic.csv").table
        let datasheet = try JSONSerialization.jsonObject(with: Data(try DurableFile.read(results + "/datasheet.json") ?? [])) as? [String: Any]
        let quality = datasheet?["quality"] as? [String: Any] ?? [:]
        let auc = (quality["train_on_synthetic"] as? [String: Any])?["auc"] as? Double
        func score(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "n/a" }
        let seconds = Date().timeIntervalSince(started)
        let lines = [
            "", "Apiary demo finished in \(String(format: "%.0f", seconds)) s",
            "  rounds committed to the ledger : \(rounds)",
            "  epsilon spent per institution  : " + institutions.map { "\($0) \(String(format: "%.3f", epsilon[$0] ?? .nan))" }.joined(separator: ", ")
                + " (each agent's own accountant, budget 1.0)",
            "  synthetic rows                 : \(synthetic.rowCount)",
            "  quality (institutions' holdouts, aggregated with noise): column shapes \(score(quality["column_shapes"] as? Double)), "
                + "pair trends \(score(quality["pair_trends"] as? Double)), train-on-synthetic AUC \(score(auc))"
                + " (noise sd of the first two \(score(quality["noise_sd"] as? Double)))",
            "  verified against the ledger    : \(verified ? "yes" : "NO")",
            "  dataset    \(results)/synthetic.csv",
            "  datasheet  \(results)/datasheet.md and datasheet.json",
            "  ledger     \(ledgerPath) (apiary-agent verify --ledger \(ledgerPath) --kit \(out)/kits/researchers/\(researcher) --dataset \(results)/synthetic.csv --datasheet \(results)/datasheet.json)",
            "  logs       \(out)/logs",
        ]
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        if json {
            let object: [String: Any] = ["rounds": rounds, "epsilon": epsilon, "dataset": results + "/synthetic.csv",
                                         "datasheet": results + "/datasheet.json", "ledger": ledgerPath, "verified": verified,
                                         "seconds": seconds, "quality": quality]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
        return verified ? 0 : 1
    }

    /// Where apiary-coordinator and apiary-agent live: beside this executable.
    var binaries: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    /// The bundled sample table: Deploy/sample-data/<name>, searched upward from the working
    /// folder and from the executable (a release build lives in .build/release).
    func sampleData() throws -> String {
        var candidates: [URL] = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for start in candidates {
            var folder = start
            for _ in 0..<6 {
                let path = folder.appendingPathComponent("Deploy/sample-data/\(dataName)").path
                if FileManager.default.fileExists(atPath: path + "/schema.json") { return path }
                folder = folder.deletingLastPathComponent()
            }
        }
        throw ApiaryError(.notFound, "cannot find Deploy/sample-data/\(dataName); run the demo from the repository")
    }

    func freePort() throws -> UInt16 {
        let socket = try Socket.listen(host: "127.0.0.1", port: 0)
        defer { socket.close() }
        return socket.localPort
    }

    func writeJSON(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try DurableFile.write([UInt8](data) + [0x0A], to: path)
    }

    func launch(_ program: String, _ arguments: [String], log: String) throws {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw ApiaryError(.notFound, "\(program) is missing: build both programs first (swift build -c release)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: out)
        _ = FileManager.default.createFile(atPath: out + "/logs/\(log).log", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out + "/logs/\(log).log"))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
    }

    func capture(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try Subprocess.run(program, arguments)
        return (result.status, result.output + result.errors)
    }

    func stopAll() {
        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
        processes.removeAll()
    }
}
