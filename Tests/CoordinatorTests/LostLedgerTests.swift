import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("A coordinator whose ledger is gone")
struct LostLedgerTests {
    @Test("a missing or empty ledger beside recorded rounds stops start-up; a fresh or intact state starts")
    func refusesToReplaceHistory() throws {
        let state = NSTemporaryDirectory() + "apiary-lost-ledger-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        // Fresh: nothing recorded yet (empty folders are what a first start leaves).
        for folder in ["rounds", "datasets"] {
            try FileManager.default.createDirectory(atPath: state + "/" + folder, withIntermediateDirectories: true)
        }
        try CoordinatorServer.refuseLostLedger(state: state)
        // Rounds recorded, ledger missing, then empty.
        try FileManager.default.createDirectory(atPath: state + "/rounds/rounds/1", withIntermediateDirectories: true)
        for ledger in [nil, Data()] {
            if let ledger { try ledger.write(to: URL(fileURLWithPath: state + "/ledger.apl")) }
            do {
                try CoordinatorServer.refuseLostLedger(state: state)
                Issue.record("started over recorded rounds without their ledger")
            } catch let error as ApiaryError {
                #expect(error.reason.contains(ledger == nil ? "is missing" : "is empty") && error.reason.contains("holds rounds"), "\(error.reason)")
                #expect(error.reason.contains("restore the ledger"))
            }
        }
        // An intact ledger (any bytes: LedgerService verifies them) starts.
        try Data([1]).write(to: URL(fileURLWithPath: state + "/ledger.apl"))
        try CoordinatorServer.refuseLostLedger(state: state)
    }
}
