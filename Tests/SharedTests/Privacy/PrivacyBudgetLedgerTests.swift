import Foundation
import Testing
@testable import Shared

/// The agent-side budget: durable, atomic, idempotent, refusing what would exceed the budget.
@Suite("Privacy budget ledger")
struct PrivacyBudgetLedgerTests {
    /// A fresh directory under the system temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func roundCurve(steps: Int = 1) throws -> RDPCurve {
        try SubsampledGaussianRDP.curve(samplingRate: 0.1, noiseMultiplier: 1.0, steps: steps)
    }

    @Test("charges compose in RDP and agree with the coordinator's accountant; reload after restart")
    func chargeAndReload() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("budget.json")
        let budget = try PrivacyBudget(epsilon: 5, delta: 1e-5)
        let ledger = try PrivacyBudgetLedger(fileURL: file, budget: budget)
        #expect(ledger.spentEpsilon == 0)
        #expect(FileManager.default.fileExists(atPath: file.path))
        try ledger.charge(taskID: "round-1", curve: Self.roundCurve(steps: 10))
        let skellam = try SkellamRDP.curve(mu: 500_000, l1: 131_072, l2: 512)
        try ledger.charge(taskID: "marginals-1", curve: skellam)

        var coordinator = PrivacyAccountant()
        try coordinator.composeSubsampledGaussian(samplingRate: 0.1, noiseMultiplier: 1.0, steps: 10)
        try coordinator.composeSkellam(mu: 500_000, l1: 131_072, l2: 512, steps: 1)
        let expected = try coordinator.epsilon(delta: 1e-5).epsilon
        #expect(ledger.spentEpsilon == expected)
        // Composition in RDP is tighter than adding the two epsilons.
        let separately = try Self.roundCurve(steps: 10).epsilon(delta: 1e-5).epsilon + skellam.epsilon(delta: 1e-5).epsilon
        #expect(ledger.spentEpsilon < separately)

        let reopened = try PrivacyBudgetLedger(fileURL: file, budget: budget)
        #expect(reopened.charges.map(\.taskID) == ["round-1", "marginals-1"])
        #expect(reopened.spentEpsilon == expected)
        #expect(reopened.remainingEpsilon == 5 - expected)
    }

    @Test("a task that would exceed the budget is refused, names spent, requested and limit, and changes nothing")
    func refusalChangesNothing() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("budget.json")
        let ledger = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 4, delta: 1e-5))
        try ledger.charge(taskID: "round-1", curve: Self.roundCurve(steps: 5))
        let before = try Data(contentsOf: file)
        let spentBefore = ledger.spentEpsilon
        do {
            try ledger.charge(taskID: "round-2", curve: Self.roundCurve(steps: 500))
            Issue.record("over-budget task was accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .budgetExceeded)
            #expect(error.reason.contains("round-2"))
            #expect(error.reason.contains("spent epsilon \(String(format: "%.4f", spentBefore))"))
            #expect(error.reason.contains("this task alone"))
            #expect(error.reason.contains("limit 4.0000"))
        }
        #expect(try Data(contentsOf: file) == before)
        #expect(ledger.spentEpsilon == spentBefore)
        #expect(ledger.charges.count == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["budget.json"])
    }

    @Test("charging the same task twice is idempotent; a different curve under the same id conflicts")
    func idempotentCharge() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("budget.json")
        let ledger = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 10, delta: 1e-5))
        let first = try ledger.charge(taskID: "round-1", curve: Self.roundCurve(steps: 3))
        let bytes = try Data(contentsOf: file)
        let second = try ledger.charge(taskID: "round-1", curve: Self.roundCurve(steps: 3))
        guard case .charged(let spent) = first, case .alreadyCharged(let again) = second else {
            Issue.record("unexpected outcomes \(first) \(second)")
            return
        }
        #expect(spent == again)
        #expect(try Data(contentsOf: file) == bytes)
        #expect(ledger.charges.count == 1)
        #expect(throws: ApiaryError.self) { try ledger.charge(taskID: "round-1", curve: Self.roundCurve(steps: 4)) }
        // A restarted agent recognises the retried task too.
        let reopened = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 10, delta: 1e-5))
        #expect(try reopened.charge(taskID: "round-1", curve: Self.roundCurve(steps: 3)) == .alreadyCharged(spentEpsilon: spent))
    }

    @Test("the record file has mode 0600 and is valid JSON with the documented keys")
    func fileModeAndFormat() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("budget.json")
        let ledger = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 3, delta: 1e-6))
        try ledger.charge(taskID: "pure", pureEpsilon: 0.5)
        try ledger.charge(taskID: "skellam", curve: SkellamRDP.curve(mu: 1e6, l1: 10, l2: 3))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
        #expect(object?["format"] as? String == "apiary-privacy-budget-v1")
        #expect((object?["charges"] as? [Any])?.count == 2)
        #expect(object?["spent_epsilon"] is NSNumber)
        // Skellam curves are infinite at fractional orders; they survive the round trip.
        let reopened = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 3, delta: 1e-6))
        #expect(reopened.charges == ledger.charges)
        #expect(reopened.spentEpsilon == ledger.spentEpsilon)
    }

    @Test("a pure epsilon charge converts to about that epsilon")
    func pureEpsilonCharge() throws {
        let curve = try PrivacyBudgetLedger.pureEpsilonCurve(0.5)
        let converted = try curve.epsilon(delta: 1e-5).epsilon
        #expect(converted >= 0.4 && converted <= 0.51)
    }

    @Test("a corrupt record is reported, not silently reset")
    func corruptRecord() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("budget.json")
        try Data("{\"format\": \"apiary-privacy-budget-v1\", \"charges\": [".utf8).write(to: file)
        do {
            _ = try PrivacyBudgetLedger(fileURL: file, budget: try PrivacyBudget(epsilon: 1, delta: 1e-5))
            Issue.record("corrupt record accepted")
        } catch let error as ApiaryError {
            #expect(error.code == .invalidEncoding)
        }
    }
}
