import Foundation
import Testing
@testable import Shared

@Suite("Privacy budget: settling a worst-case charge to the actual cost")
struct PrivacyBudgetSettleTests {
    @Test("settling lowers the spend durably; a higher or unknown settlement is refused and changes nothing")
    func settle() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-settle-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let ledger = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 2, delta: 1e-6))
        let atQuorum = try SkellamRDP.curve(mu: 2e5, l1: 5, l2: 2.2)     // noise sized for the quorum
        let actual = try SkellamRDP.curve(mu: 3e5, l1: 5, l2: 2.2)       // more contributors, more noise
        try ledger.charge(taskID: "round-1", curve: atQuorum)
        let before = ledger.spentEpsilon
        let after = try ledger.settle(taskID: "round-1", actualCurve: actual)
        #expect(after < before)
        #expect(abs(after - (try actual.epsilon(delta: 1e-6).epsilon)) < 1e-12)
        let reloaded = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 2, delta: 1e-6))
        #expect(abs(reloaded.spentEpsilon - after) < 1e-12)
        let bytes = try Data(contentsOf: file)
        #expect(throws: ApiaryError.self) { try ledger.settle(taskID: "round-1", actualCurve: atQuorum.repeated(2)) }
        #expect(throws: ApiaryError.self) { try ledger.settle(taskID: "round-9", actualCurve: actual) }
        #expect(try Data(contentsOf: file) == bytes)
    }
}
