import Foundation
import Testing
@testable import Shared

/// `kill -9` of the coordinator in the middle of collection and of an agent after it submitted,
/// then restarts: the run finishes, every update is counted once, and the ledger verifies.
@Suite("Crash recovery of real processes (kill -9)", .serialized)
struct CrashRecoveryTests {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-crash-\(UUID().uuidString)").path
    var binaries: String { ConsortiumProcessTests.binaries }
    static var sampleData: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Deploy/sample-data/flchain").path
    }

    func launch(_ program: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaries + "/" + program)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: out)
        FileManager.default.createFile(atPath: out + "/\(log).log", contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out + "/\(log).log"))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    func kill9(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

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

    @Test("coordinator and agent killed mid-round, restarted: nothing lost, nothing counted twice")
    func killAndRestart() throws {
        try DurableFile.makeDirectory(out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let institutions = ["hospital-a", "hospital-b", "clinic-c"]
        let request = try ProvisioningRequest(consortium: "crash", institutions: institutions, threshold: 2,
                                              coordinatorHosts: ["127.0.0.1"], keyBits: 1024)
        _ = try ConsortiumProvisioner.provision(request, outputDirectory: out + "/kits")
        let socket = try Socket.listen(host: "127.0.0.1", port: 0)
        let port = socket.localPort
        socket.close()
        let schema = Self.sampleData + "/schema.json"
        let coordinatorConfig = """
        {"kit": "kits/coordinator", "state": "state/coordinator", "schema": "\(schema)", "listen": "127.0.0.1:\(port)", "collectionSeconds": 60, "failAfterSeconds": 120}
        """
        try DurableFile.write(Array(coordinatorConfig.utf8), to: out + "/coordinator.json")
        for (index, name) in institutions.enumerated() {
            let config = """
            {"kit": "kits/institutions/\(name)", "coordinator": "https://127.0.0.1:\(port)", "data": "\(Self.sampleData)/institution-\(["a", "b", "c"][index]).csv", "schema": "\(schema)", "state": "state/\(name)", "pollSeconds": 1}
            """
            try DurableFile.write(Array(config.utf8), to: out + "/agent-\(name).json")
        }
        var coordinator = try launch("apiary-coordinator", ["serve", "--config", "coordinator.json"], log: "coordinator")
        var agents = try institutions.prefix(2).map { try launch("apiary-agent", ["run", "--config", "agent-\($0).json"], log: $0) }
        defer {
            for process in [coordinator] + agents where process.isRunning { kill9(process) }
        }
        // Round 1 has the updates of two agents (the third is not running): collection waits.
        let roundState = out + "/state/coordinator/rounds/rounds/1/state.json"
        try waitFor("two updates in round 1", seconds: 60) {
            guard let bytes = try DurableFile.read(roundState) else { return false }
            return (try ProtocolJSON.decode(RoundStateProbe.self, from: bytes, what: "state")).submissions.count == 2
        }
        kill9(coordinator)
        kill9(agents[0])
        coordinator = try launch("apiary-coordinator", ["serve", "--config", "coordinator.json", "--exit-when-finished"], log: "coordinator")
        agents[0] = try launch("apiary-agent", ["run", "--config", "agent-hospital-a.json"], log: "hospital-a")
        agents.append(try launch("apiary-agent", ["run", "--config", "agent-clinic-c.json"], log: "clinic-c"))
        try waitFor("the run to finish after the restarts", seconds: 120) { !coordinator.isRunning }
        #expect(coordinator.terminationStatus == 0)

        let snapshot = try LedgerSnapshot.load(path: out + "/state/coordinator/ledger.apl")
        #expect(snapshot.pendingEntries.isEmpty)
        let dataset = try #require(snapshot.state.datasets.values.first)
        #expect(Set(dataset.publication.contributors) == Set(institutions))
        // Every update counted once: the noisy record count the generator estimated is close to
        // the real 5,219 rows (a double-counted institution would add about 1,740).
        let folder = out + "/state/coordinator/datasets/\(dataset.publication.datasetId)"
        let sheet = try JSONSerialization.jsonObject(with: Data(try #require(try DurableFile.read(folder + "/datasheet.json")))) as? [String: Any]
        let estimated = try #require(sheet?["estimated_real_records"] as? Double)
        #expect(abs(estimated - 5_219) < 500, "estimated \(estimated) records")
        let verify = try TLSFixture.run(binaries + "/apiary-agent", ["verify", "--ledger", out + "/state/coordinator/ledger.apl",
                                                                   "--dataset", folder + "/synthetic.csv"], allowFailure: true)
        #expect(verify.contains("verified:"), "\(verify)")
    }
}

/// The part of a round snapshot this test reads.
struct RoundStateProbe: Decodable {
    let submissions: [String: Submission]
    struct Submission: Decodable { let agent: String }
}
