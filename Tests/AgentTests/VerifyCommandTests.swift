import Foundation
import Testing
import AgentKit
import Shared
import TestSupport

@Suite("apiary-agent verify")
struct VerifyCommandTests {
    /// A full ledger written to a file, and the dataset it publishes.
    func ledgerFile() throws -> (ledger: String, dataset: String) {
        let path = LedgerFixture.temporaryPath("ledger.apl")
        let opened = try LedgerStore.open(path: path, create: true)
        _ = try LedgerFixture.fullLedger(store: opened.store)
        let dataset = (path as NSString).deletingLastPathComponent + "/synthetic.csv"
        try DurableFile.write(LedgerFixture.datasetCSV, to: dataset)
        return (path, dataset)
    }

    @Test("a valid ledger and its dataset verify with exit 0, text and JSON")
    func verifies() throws {
        let (ledger, dataset) = try ledgerFile()
        let text = VerifyCommand.run(["--ledger", ledger, "--dataset", dataset])
        #expect(text.exitCode == 0, "\(text.output)")
        #expect(text.output.contains("verified: 7 entries"))
        #expect(text.output.contains("matches its publication entry 5"))
        let json = VerifyCommand.run(["--ledger", ledger, "--json"])
        #expect(json.exitCode == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["verified"] as? Bool == true)
        #expect(object?["entries"] as? Int == 7)
    }

    @Test("a flipped byte fails with exit 1 and names the entry; a torn tail is a failure, not repaired")
    func damage() throws {
        let (ledger, _) = try ledgerFile()
        var bytes = try #require(try DurableFile.read(ledger))
        let original = bytes
        bytes[bytes.count / 2] ^= 0x01
        try DurableFile.write(bytes, to: ledger)
        let damaged = VerifyCommand.run(["--ledger", ledger, "--json"])
        #expect(damaged.exitCode == 1)
        let object = try JSONSerialization.jsonObject(with: Data(damaged.output.utf8)) as? [String: Any]
        #expect(object?["verified"] as? Bool == false)
        #expect(object?["entry_index"] is Int)
        try DurableFile.write(Array(original.dropLast(5)), to: ledger)
        let torn = VerifyCommand.run(["--ledger", ledger])
        #expect(torn.exitCode == 1)
        #expect(try DurableFile.read(ledger)?.count == original.count - 5, "verify must never repair")
    }

    @Test("a different dataset file fails; usage errors exit 2; --help exits 0")
    func usage() throws {
        let (ledger, dataset) = try ledgerFile()
        try DurableFile.write(Array("age,diagnosis\n34,flu\n".utf8), to: dataset)
        #expect(VerifyCommand.run(["--ledger", ledger, "--dataset", dataset]).exitCode == 1)
        #expect(VerifyCommand.run([]).exitCode == 2)
        #expect(VerifyCommand.run(["--ledger"]).exitCode == 2)
        #expect(VerifyCommand.run(["--bogus"]).exitCode == 2)
        let help = VerifyCommand.run(["--help"])
        #expect(help.exitCode == 0 && help.output.contains("Usage: apiary-agent verify"))
        #expect(VerifyCommand.run(["--ledger", "/nonexistent/ledger.apl"]).exitCode == 1)
    }
}
