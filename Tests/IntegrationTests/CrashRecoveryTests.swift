import Foundation
import Testing
@testable import Shared

extension ProcessConsortium.Suites {
    /// `kill -9` of the coordinator in the middle of collection and of an agent after it submitted,
    /// then restarts: the run finishes, every update is counted once, and the ledger verifies.
    @Suite("Crash recovery of real processes (kill -9)", .serialized)
    struct CrashRecoveryTests {
        @Test("coordinator and agent killed mid-round, restarted: nothing lost, nothing counted twice")
        func killAndRestart() throws {
            let institutions = ["hospital-a", "hospital-b", "clinic-c"]
            let consortium = try ProcessConsortium(consortium: "crash", institutions: institutions)
            defer { consortium.tearDown() }
            let out = consortium.out
            var coordinator = try consortium.coordinator(exitWhenFinished: false)
            var agents = try institutions.prefix(2).map { try consortium.agent($0) }
            // Round 1 has the updates of two agents (the third is not running): collection waits.
            let roundState = out + "/state/coordinator/rounds/rounds/1/state.json"
            try consortium.waitFor("two updates in round 1", seconds: 60) {
                guard let bytes = try DurableFile.read(roundState) else { return false }
                return (try ProtocolJSON.decode(RoundStateProbe.self, from: bytes, what: "state")).submissions.count == 2
            }
            consortium.kill9(coordinator)
            consortium.kill9(agents[0])
            coordinator = try consortium.coordinator(exitWhenFinished: true)
            agents[0] = try consortium.agent("hospital-a")
            agents.append(try consortium.agent("clinic-c"))
            try consortium.waitFor("the run to finish after the restarts", seconds: 120) { !coordinator.isRunning }
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
            let verify = try TLSFixture.run(ConsortiumProcessTests.binaries + "/apiary-agent", ["verify", "--ledger", out + "/state/coordinator/ledger.apl",
                                                                       "--kit", out + "/kits/coordinator",
                                                                       "--dataset", folder + "/synthetic.csv"], allowFailure: true)
            #expect(verify.contains("verified:") && verify.contains("genesis: the kit's"), "\(verify)")
        }

        /// Moments between the last partial decryption and the next round's opening, each lasting
        /// milliseconds, caught by polling every 2 ms.
        enum KillMoment: String, CaseIterable, CustomTestStringConvertible {
            case leavesDecryption = "round 1 applied or committed in the engine's snapshot"
            case ledgerCommitted = "round 1's commitment appended to the ledger"
            var testDescription: String { rawValue }
        }

        @Test("coordinator killed between the last partial decryption and the next round: the run still finishes", arguments: KillMoment.allCases)
        func killAfterDecryption(_ moment: KillMoment) throws {
            let institutions = ["hospital-a", "hospital-b", "clinic-c"]
            let consortium = try ProcessConsortium(consortium: "crash-late", institutions: institutions)
            defer { consortium.tearDown() }
            let out = consortium.out
            var coordinator = try consortium.coordinator(exitWhenFinished: false)
            for name in institutions { _ = try consortium.agent(name) }
            let roundState = out + "/state/coordinator/rounds/rounds/1/state.json"
            func reached() -> Bool {
                switch moment {
                case .leavesDecryption:
                    guard let bytes = try? DurableFile.read(roundState),
                          let probe = try? ProtocolJSON.decode(RoundStateProbe.self, from: bytes, what: "state") else { return false }
                    return ["applied", "committed"].contains(probe.stage ?? "")
                case .ledgerCommitted:
                    let log = (try? String(contentsOfFile: out + "/coordinator.log", encoding: .utf8)) ?? ""
                    return log.contains("ledger.round_committed round=1 ")
                }
            }
            let deadline = Date().addingTimeInterval(90)
            var caught = reached()
            while !caught, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.002)
                caught = reached()
            }
            #expect(caught, "never reached: \(moment.rawValue)")
            consortium.kill9(coordinator)
            coordinator = try consortium.coordinator(exitWhenFinished: true)
            try consortium.waitFor("the run to finish after a kill when \(moment.rawValue)", seconds: 120) { !coordinator.isRunning }
            #expect(coordinator.terminationStatus == 0)
            let snapshot = try LedgerSnapshot.load(path: out + "/state/coordinator/ledger.apl")
            #expect(snapshot.pendingEntries.isEmpty)
            #expect(snapshot.state.datasets.count == 1)
        }
    }
}

/// The part of a round snapshot this test reads.
struct RoundStateProbe: Decodable {
    let submissions: [String: Submission]
    let stage: String?
    struct Submission: Decodable { let agent: String }
}
