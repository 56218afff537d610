import Foundation
import Testing
import AgentKit
import CoordinatorKit
import Shared

@Suite("Coordinator and agent configuration files")
struct ConfigurationFileTests {
    private func write(_ text: String) throws -> (folder: String, path: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-config-\(UUID().uuidString)").path
        try DurableFile.makeDirectory(folder)
        try DurableFile.write(Array(text.utf8), to: folder + "/config.json")
        return (folder, folder + "/config.json")
    }

    /// The fields every coordinator configuration needs, without the closing brace.
    private static let coordinatorBase = #"{"kit": "kit", "state": "state", "schema": "schema.json""#

    /// Expects the coordinator configuration `text` to be refused with an error naming the file and `field`.
    private func expectRefused(_ text: String, naming field: String) throws {
        let file = try write(text)
        defer { try? FileManager.default.removeItem(atPath: file.folder) }
        #expect {
            _ = try CoordinatorConfiguration.load(path: file.path)
        } throws: { error in
            "\(error)".contains(file.path) && "\(error)".contains(field)
        }
    }

    @Test("the quality round takes a tenth of the budget by default; a share outside [0, 1) is refused naming the file")
    func qualityShare() throws {
        let base = Self.coordinatorBase
        let plain = try write(base + "}")
        defer { try? FileManager.default.removeItem(atPath: plain.folder) }
        #expect(try CoordinatorConfiguration.load(path: plain.path).qualityBudgetShare == 0.1)
        let off = try write(base + #", "qualityBudgetShare": 0}"#)
        defer { try? FileManager.default.removeItem(atPath: off.folder) }
        #expect(try CoordinatorConfiguration.load(path: off.path).qualityBudgetShare == 0)
        for bad in ["1", "-0.1", "1.5"] {
            try expectRefused(base + #", "qualityBudgetShare": \#(bad)}"#, naming: "qualityBudgetShare")
        }
    }

    @Test("a quality gate is read from the file; a bad one (no threshold, out of range, misspelt, without a quality round) is refused naming the file")
    func qualityGate() throws {
        let base = Self.coordinatorBase
        let gated = try write(base + #", "qualityGate": {"minimumPairTrends": 0.8, "minimumAUC": 0.6}}"#)
        defer { try? FileManager.default.removeItem(atPath: gated.folder) }
        #expect(try CoordinatorConfiguration.load(path: gated.path).qualityGate == QualityGate(minimumPairTrends: 0.8, minimumAUC: 0.6))
        let plain = try write(base + "}")
        defer { try? FileManager.default.removeItem(atPath: plain.folder) }
        #expect(try CoordinatorConfiguration.load(path: plain.path).qualityGate == nil)
        for bad in [#""qualityGate": {}"#, #""qualityGate": {"minimumPairTrends": 2}"#, #""qualityGate": {"minimumPairTrend": 0.8}"#,
                    #""qualityBudgetShare": 0, "qualityGate": {"minimumPairTrends": 0.8}"#] {
            try expectRefused(base + ", " + bad + "}", naming: "qualityGate")
        }
    }

    @Test("an agent's holdout is optional and resolved against the configuration's folder")
    func agentHoldout() throws {
        let base = #"{"kit": "kit", "coordinator": "https://127.0.0.1:8443", "data": "rows.csv", "schema": "schema.json", "state": "state""#
        let without = try write(base + "}")
        defer { try? FileManager.default.removeItem(atPath: without.folder) }
        #expect(try AgentConfiguration.load(path: without.path).holdout == nil)
        let with = try write(base + #", "holdout": "private/holdout.csv"}"#)
        defer { try? FileManager.default.removeItem(atPath: with.folder) }
        let configuration = try AgentConfiguration.load(path: with.path)
        #expect(configuration.holdout == with.folder + "/private/holdout.csv")
        #expect(configuration.data == with.folder + "/rows.csv")
    }
}
