import Foundation
import Testing
@testable import Shared

/// The whole product as separate processes over loopback TLS, at real sizes (2048-bit key):
/// `apiary-coordinator demo` provisions a consortium, runs the coordinator and three agents as
/// processes, publishes, downloads as the researcher and verifies. Then the test checks the
/// results independently: the downloaded ledger verifies with `apiary-agent verify`, the
/// dataset matches its publication entry, a changed dataset fails, and a second demo into the
/// same folder is refused without touching it.
@Suite("A whole consortium as separate processes over loopback TLS", .serialized)
struct ConsortiumProcessTests {
    static var binaries: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug").path
    }

    @Test("demo: provision, 3 agents + coordinator processes, rounds, ledger, publication, download, verification")
    func endToEnd() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("apiary-demo-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try TLSFixture.run(Self.binaries + "/apiary-coordinator", ["demo", "--out", out, "--json", "--timeout", "240"], allowFailure: true)
        let lastLine = run.split(separator: "\n").first { $0.hasPrefix("{") }.map(String.init) ?? ""
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any], "demo output: \(run.suffix(2000))")
        #expect(summary["verified"] as? Bool == true)
        #expect((summary["rounds"] as? Int ?? 0) >= 2)
        let epsilon = try #require(summary["epsilon"] as? [String: Double])
        #expect(epsilon.count == 3 && epsilon.values.allSatisfy { $0 > 0 && $0 <= 1.0 })
        // The quality round ran on the institutions' holdouts (the 1,305 test rows split three ways).
        let quality = try #require(summary["quality"] as? [String: Any])
        let holdoutRecords = try #require(quality["records"] as? Double)
        #expect(abs(holdoutRecords - 1_305) < 300, "noisy holdout records \(holdoutRecords)")
        #expect((quality["column_shapes"] as? Double ?? 0) > 0.8)

        let ledger = try #require(summary["ledger"] as? String)
        let dataset = try #require(summary["dataset"] as? String)
        let verify = try TLSFixture.run(Self.binaries + "/apiary-agent", ["verify", "--ledger", ledger, "--dataset", dataset, "--json"])
        #expect(verify.contains("\"verified\":true"))

        // The datasheet the researcher downloaded is the one the ledger committed to.
        let datasheetPath = try #require(summary["datasheet"] as? String)
        let datasheet = try #require(try DurableFile.read(datasheetPath))
        let records = try LedgerStore.readForVerification(path: ledger)
        let report = try LedgerVerifier.verify(records: records, dataset: try DurableFile.read(dataset)).get()
        #expect(report.pendingEntries.isEmpty)
        let publication = try Ledger(records: records).entries.compactMap { entry -> DatasetPublicationEntry? in
            if case .datasetPublication(let body) = entry { body } else { nil }
        }.first
        #expect(publication?.datasheetHash == SHA256.hash(datasheet))
        #expect(publication?.contributors.count == 3)

        // A dataset changed by one byte no longer verifies.
        var tampered = try #require(try DurableFile.read(dataset))
        tampered[tampered.count / 2] ^= 0x01
        try DurableFile.write(tampered, to: dataset)
        let refused = try TLSFixture.run(Self.binaries + "/apiary-agent", ["verify", "--ledger", ledger, "--dataset", dataset], allowFailure: true)
        #expect(refused.contains("verification failed"))

        // Running the demo again into the same folder is refused and changes nothing.
        let before = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let again = try TLSFixture.run(Self.binaries + "/apiary-coordinator", ["demo", "--out", out], allowFailure: true)
        #expect(again.contains("already holds files"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == before)
    }
}
