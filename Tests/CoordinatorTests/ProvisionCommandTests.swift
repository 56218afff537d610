import Foundation
import Testing
@testable import CoordinatorKit
import Shared

@Suite("apiary-coordinator provision: key sizes")
struct ProvisionCommandTests {
    @Test("keys below 2048 bits are refused unless --insecure-test-key is given, and then warned about")
    func keySizes() throws {
        let out = NSTemporaryDirectory() + "apiary-provision-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let base = ["--consortium", "X", "--institutions", "a,b", "--threshold", "1", "--out", out]
        for (bits, flag, says) in [("1024", false, "add --insecure-test-key"), ("2047", false, "512 or 1024 with --insecure-test-key"),
                                   ("2047", true, "512 or 1024 with --insecure-test-key"), ("1000000", false, "2048, 3072, 4096 bits")] {
            do {
                _ = try ProvisionCommand.run(base + ["--key-bits", bits] + (flag ? ["--insecure-test-key"] : []), progress: { _ in })
                Issue.record("--key-bits \(bits) was accepted")
            } catch let error as ApiaryError {
                #expect(error.reason.contains(says), "\(bits): \(error.reason)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: out), "a refused ceremony wrote files")
        #expect(throws: ApiaryError.self) { try ProvisionCommand.run(base + ["--key-bits", "256", "--insecure-test-key"], progress: { _ in }) }
        var progress: [String] = []
        let summary = try ProvisionCommand.run(base + ["--key-bits", "512", "--insecure-test-key"], progress: { progress.append($0) })
        #expect(summary.contains("512-bit Paillier key"))
        #expect(progress.contains { $0.contains("for tests only") })
    }
}
