import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("simulate --quality-gate")
struct SimulateCommandTests {
    static let sample = SynthesisOverProtocolTests.sampleData

    static func arguments(out: String, extra: [String]) -> [String] {
        ["--schema", sample + "/schema.json", "--institution", "a=\(sample)/institution-a.csv", "--institution", "b=\(sample)/institution-b.csv",
         "--institution", "c=\(sample)/institution-c.csv", "--epsilon", "1", "--delta", "1e-6", "--key-bits", "1024", "--seed", "3",
         "--out", out] + extra
    }

    @Test("a gate the scores miss: exit status 3 with the reasons, files still written; a gate they reach: status 0")
    func gateVerdicts() throws {
        let directory = NSTemporaryDirectory() + "apiary-simulate-gate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let strict = directory + "/strict.json", lenient = directory + "/lenient.json"
        // Column shapes are a mean of 1 - distance over columns: 0.9999 is out of reach for noisy synthetic rows.
        try Data(#"{"minimumColumnShapes": 0.9999, "minimumAUC": 0.1}"#.utf8).write(to: URL(fileURLWithPath: strict))
        try Data(#"{"minimumColumnShapes": 0.5}"#.utf8).write(to: URL(fileURLWithPath: lenient))

        let missed = try SimulateCommand.run(Self.arguments(out: directory + "/strict", extra: ["--holdout", Self.sample + "/test.csv", "--quality-gate", strict]),
                                             progress: { _ in })
        #expect(missed.status == 3)
        #expect(missed.output.contains("quality gate: missed: column shapes"))
        #expect(missed.output.contains("below the minimum 1.000"))
        #expect(!missed.output.contains("AUC"))
        #expect(FileManager.default.fileExists(atPath: directory + "/strict/synthetic.csv"))
        #expect(FileManager.default.fileExists(atPath: directory + "/strict/datasheet.json"))

        let passed = try SimulateCommand.run(Self.arguments(out: directory + "/lenient", extra: ["--holdout", Self.sample + "/test.csv", "--quality-gate", lenient]),
                                             progress: { _ in })
        #expect(passed.status == 0)
        #expect(passed.output.contains("quality gate: passed"))

        let ungated = try SimulateCommand.run(Self.arguments(out: directory + "/plain", extra: []), progress: { _ in })
        #expect(ungated.status == 0 && !ungated.output.contains("quality gate"))
    }

    @Test("a gate without a holdout, a misspelt threshold, a missing file or a value out of [0, 1] is refused before any work")
    func badGates() throws {
        let directory = NSTemporaryDirectory() + "apiary-simulate-badgate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func reason(_ gate: String?, holdout: Bool = true) -> String {
            let path = directory + "/gate.json"
            if let gate { try? Data(gate.utf8).write(to: URL(fileURLWithPath: path)) } else { try? FileManager.default.removeItem(atPath: path) }
            let extra = (holdout ? ["--holdout", Self.sample + "/test.csv"] : []) + ["--quality-gate", path]
            do {
                _ = try SimulateCommand.run(Self.arguments(out: directory + "/out", extra: extra), progress: { _ in })
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(#"{"minimumColumnShapes": 0.8}"#, holdout: false).contains("needs a holdout"))
        #expect(reason(#"{"minimumColumnShape": 0.8}"#).contains("gate.json: qualityGate: unknown field 'minimumColumnShape'"))
        #expect(reason(#"{"minimumAUC": "high"}"#).contains("gate.json: minimumAUC must be a number"))
        #expect(reason(#"{"minimumAUC": 1.5}"#).contains("must lie in [0, 1], got 1.5"))
        #expect(reason("{}").contains("sets no threshold"))
        #expect(reason(#"{"minimumColumnShapes": 0.5, "minimumColumnShapes": 0.99}"#).contains("gate.json: field 'minimumColumnShapes' appears twice"))
        #expect(reason("[0.5]").contains("gate.json: not a JSON object"))
        #expect(reason(nil).contains("gate.json: no such file"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/out"), "nothing written for a refused gate")
    }

    @Test("a delta outside (0, 1), an epsilon no noise reaches, empty --out text or a folder for a CSV: a clear error and no output folder")
    func refusedSettingsLeaveNoFolder() throws {
        let directory = NSTemporaryDirectory() + "apiary-simulate-refused-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func reason(_ arguments: [String]) -> String {
            do {
                _ = try SimulateCommand.run(arguments, progress: { _ in })
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        func replacing(_ option: String, with value: String) -> [String] {
            var arguments = Self.arguments(out: directory + "/out", extra: [])
            arguments[arguments.firstIndex(of: option)! + 1] = value
            return arguments
        }
        #expect(reason(replacing("--delta", with: "2")).contains("option --delta must lie in (0, 1), got 2"))
        #expect(reason(replacing("--epsilon", with: "0.001")).contains("epsilon"))
        #expect(reason(replacing("--out", with: "")).contains("option --out needs a folder path"))
        #expect(reason(replacing("--institution", with: "a=\(directory)")).contains("is a folder, not a file"))
        #expect(reason(replacing("--institution", with: "a=\(directory)/nope.csv")).contains("nope.csv: no such file"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/out"), "a refused run leaves no folder")
    }
}
