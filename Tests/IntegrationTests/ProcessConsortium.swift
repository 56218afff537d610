import Foundation
import Testing
@testable import Shared

/// A consortium provisioned in a temporary folder (1024-bit keys, t = 2) on the bundled flchain
/// sample, with configuration files for a coordinator on a free loopback port and one agent per
/// institution, and helpers to run the debug build's processes there. Each process logs to
/// `<name>.log` in the folder; `waitFor` quotes the logs when it times out.
final class ProcessConsortium {
    /// The suites that run a `ProcessConsortium`, one test at a time: with two consortia at
    /// once on two cores (each a coordinator and three agents) their timing-dependent waits
    /// compete for the cores. (The crash-recovery run's occasional time-out, also seen one at a
    /// time, was an agent's endorsement check that ignored the heads served with new entries;
    /// mended, `EndorsementPolicy.check`.)
    @Suite("Consortium processes, one at a time", .serialized)
    enum Suites {}

    let out = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-processes-\(UUID().uuidString)").path
    let institutions: [String]
    private var processes: [Process] = []

    static var sampleData: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Deploy/sample-data/flchain").path
    }

    /// Provisions the consortium and writes `coordinator.json` (with `coordinatorSettings`, JSON
    /// members added to the defaults) and `agent-<name>.json`; with `holdouts`, institution i
    /// gets rows i, i + n, ... of the sample's test split as its holdout.
    init(consortium: String, institutions: [String], coordinatorSettings: String = "", holdouts: Bool = false) throws {
        self.institutions = institutions
        try DurableFile.makeDirectory(out)
        let request = try ProvisioningRequest(consortium: consortium, institutions: institutions, threshold: 2,
                                              coordinatorHosts: ["127.0.0.1"], keyBits: 1024)
        _ = try ConsortiumProvisioner.provision(request, outputDirectory: out + "/kits")
        let socket = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = socket.localPort
        socket.close()
        let schema = Self.sampleData + "/schema.json"
        let extra = coordinatorSettings.isEmpty ? "" : ", " + coordinatorSettings
        let coordinatorConfig = """
        {"kit": "kits/coordinator", "state": "state/coordinator", "schema": "\(schema)", "listen": "127.0.0.1:\(port)", "collectionSeconds": 60, "failAfterSeconds": 120\(extra)}
        """
        try DurableFile.write(Array(coordinatorConfig.utf8), to: out + "/coordinator.json")
        let testLines = try String(contentsOfFile: Self.sampleData + "/test.csv", encoding: .utf8).split(separator: "\n")
        let parts = ["a", "b", "c"]  // the sample's institution files
        precondition(institutions.count <= parts.count, "the flchain sample is split for \(parts.count) institutions")
        for (index, name) in institutions.enumerated() {
            var holdout = ""
            if holdouts {
                let rows = testLines.dropFirst().enumerated().filter { $0.offset % institutions.count == index }.map { String($0.element) }
                try DurableFile.write(Array(([String(testLines[0])] + rows).joined(separator: "\n").utf8 + [0x0a]),
                                      to: out + "/holdout-\(name).csv", mode: 0o600)
                holdout = ", \"holdout\": \"holdout-\(name).csv\""
            }
            let config = """
            {"kit": "kits/institutions/\(name)", "coordinator": "https://127.0.0.1:\(port)", "data": "\(Self.sampleData)/institution-\(parts[index]).csv", "schema": "\(schema)", "state": "state/\(name)", "pollSeconds": 1\(holdout)}
            """
            try DurableFile.write(Array(config.utf8), to: out + "/agent-\(name).json")
        }
    }

    /// Kills what is still running and removes the folder.
    func tearDown() {
        for process in processes where process.isRunning { kill9(process) }
        try? FileManager.default.removeItem(atPath: out)
    }

    /// Starts `program` (from the debug build) in the folder, logging to `<log>.log`.
    func launch(_ program: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ConsortiumProcessTests.binaries + "/" + program)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: out)
        _ = FileManager.default.createFile(atPath: out + "/\(log).log", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out + "/\(log).log"))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
        return process
    }

    /// `apiary-coordinator serve` with the folder's configuration.
    func coordinator(exitWhenFinished: Bool) throws -> Process {
        try launch("apiary-coordinator", ["serve", "--config", "coordinator.json"] + (exitWhenFinished ? ["--exit-when-finished"] : []),
                   log: "coordinator")
    }

    /// `apiary-agent run` for institution `name`.
    func agent(_ name: String) throws -> Process {
        try launch("apiary-agent", ["run", "--config", "agent-\(name).json"], log: name)
    }

    func kill9(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Polls `condition` every 0.2 s; on timeout, throws with the end of every log.
    func waitFor(_ what: String, seconds: Double, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let logs = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".log") }
            .map { "\($0):\n" + ((try? String(contentsOfFile: out + "/" + $0, encoding: .utf8))?.suffix(1500) ?? "") }.joined(separator: "\n")
        throw ApiaryError(.io, "timed out waiting for \(what)\n\(logs)")
    }
}
