import Foundation
import Testing
import AgentKit
import Shared
import TestSupport

@Suite("apiary-agent verify")
struct VerifyCommandTests {
    /// A full ledger written to a file, and the dataset it publishes.
    func ledgerFile(datasheet: [UInt8]? = nil) throws -> (ledger: String, dataset: String) {
        let path = LedgerFixture.temporaryPath("ledger.apl")
        let opened = try LedgerStore.open(path: path, create: true)
        _ = try LedgerFixture.fullLedger(store: opened.store, datasheet: datasheet)
        let dataset = (path as NSString).deletingLastPathComponent + "/synthetic.csv"
        try DurableFile.write(LedgerFixture.datasetCSV, to: dataset)
        return (path, dataset)
    }

    @Test("a valid ledger and its dataset verify with exit 0, text and JSON")
    func verifies() throws {
        let (ledger, dataset) = try ledgerFile()
        defer { LedgerFixture.removeTemporaryDirectory(of: ledger) }
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

    @Test("--datasheet checks the datasheet against its publication's hash; an edited one fails; it needs --dataset")
    func datasheet() throws {
        let (ledger, dataset) = try ledgerFile(datasheet: LedgerFixture.datasheetJSON())
        defer { LedgerFixture.removeTemporaryDirectory(of: ledger) }
        let sheet = (ledger as NSString).deletingLastPathComponent + "/datasheet.json"
        try DurableFile.write(LedgerFixture.datasheetJSON(), to: sheet)
        let good = VerifyCommand.run(["--ledger", ledger, "--dataset", dataset, "--datasheet", sheet])
        #expect(good.exitCode == 0 && good.output.contains("and so does its datasheet"), "\(good.output)")
        let unchecked = VerifyCommand.run(["--ledger", ledger, "--dataset", dataset])
        #expect(unchecked.output.contains("datasheet not checked"))
        try DurableFile.write(Array("datasheet, edited".utf8), to: sheet)
        let edited = VerifyCommand.run(["--ledger", ledger, "--dataset", dataset, "--datasheet", sheet])
        #expect(edited.exitCode == 1 && edited.output.contains("the datasheet's SHA-256"), "\(edited.output)")
        #expect(VerifyCommand.run(["--ledger", ledger, "--datasheet", sheet]).exitCode == 2)
    }

    @Test("a datasheet bound by its hash but stating another epsilon, delta, contributor list, generator, row count or CSV hash fails")
    func datasheetStatements() throws {
        // What a coordinator could publish: the entry binds these bytes, the co-signers never read them.
        let cases: [(edit: (String, String), expected: String)] = [
            (("\"epsilon\": 1.5", "\"epsilon\": 0.5"), "privacy.epsilon 0.5 is not the publication's epsilon_micros 1500000"),
            (("\"epsilon\": 1.5", "\"epsilon\": 1.4999999"), "ceil(10^6 epsilon) = 1500000"),  // rounds up to the entry: agrees
            (("\"delta\": 2e-16", "\"delta\": 1e-16"), "privacy.delta 1e-16 is not the publication's delta_attos 200"),
            (("\"hospital-c\", ", ""), "contributors [\"hospital-a\", \"hospital-b\"] are not the publication's"),
            (("\"name\": \"mst\"", "\"name\": \"copula\""), "generator.name 'copula' is not the publication's generator 'mst'"),
            (("\"rows\": 2", "\"rows\": 99"), "the datasheet says 99 rows, the file has 2 after its header"),
            ((SHA256.hash(LedgerFixture.datasetCSV).hexString, String(repeating: "0", count: 64)), "hashes.synthetic.csv 0000"),
            (("apiary-datasheet-v1", "other"), "format is not apiary-datasheet-v1"),
        ]
        for (edit, expected) in cases {
            let sheetBytes = LedgerFixture.datasheetJSON(replacing: [edit])
            let (ledger, dataset) = try ledgerFile(datasheet: sheetBytes)
            defer { LedgerFixture.removeTemporaryDirectory(of: ledger) }
            let sheet = (ledger as NSString).deletingLastPathComponent + "/datasheet.json"
            try DurableFile.write(sheetBytes, to: sheet)
            let result = VerifyCommand.run(["--ledger", ledger, "--dataset", dataset, "--datasheet", sheet])
            if expected.hasPrefix("ceil") {
                #expect(result.exitCode == 0, "epsilon within the entry's rounding agrees: \(result.output)")
            } else {
                #expect(result.exitCode == 1 && result.output.contains(expected), "\(edit): \(result.output)")
            }
        }
    }

    @Test("without --kit the output says the genesis was not checked; a kit of another consortium fails it; a kit without genesis.json is an error")
    func genesisAnchor() throws {
        let (ledger, _) = try ledgerFile()
        defer { LedgerFixture.removeTemporaryDirectory(of: ledger) }
        let unanchored = VerifyCommand.run(["--ledger", ledger])
        #expect(unanchored.exitCode == 0 && unanchored.output.contains("genesis: NOT checked against a kit"), "\(unanchored.output)")
        let json = VerifyCommand.run(["--ledger", ledger, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["genesis_checked_against_kit"] as? Bool == false)
        #expect((object?["genesis_sha256"] as? String)?.count == 64)

        // A kit whose genesis.json describes another consortium: the ledger is not its ledger.
        let kit = (ledger as NSString).deletingLastPathComponent + "/kit"
        try FileManager.default.createDirectory(atPath: kit, withIntermediateDirectories: true)
        let member = { (name: String, role: String, party: Int?) -> [String: Any] in
            var fields: [String: Any] = ["name": name, "role": role, "ledgerPublicKey": LedgerFixture.key(name).publicKey.rawRepresentation.hexString,
                                         "certificateSHA256": LedgerFixture.hash("cert:\(name)").hexString]
            if let party { fields["partyId"] = party }
            return fields
        }
        let other: [String: Any] = [
            "format": GenesisDescription.formatName, "version": 1, "consortium": "another consortium", "createdAt": "2026-11-25T00:00:00Z",
            "caCertificateSHA256": LedgerFixture.hash("ca").hexString,
            "members": [member("coordinator", "coordinator", nil), member("hospital-a", "agent", 1), member("hospital-b", "agent", 2)],
            "threshold": 2, "committee": [["name": "hospital-a", "partyId": 1], ["name": "hospital-b", "partyId": 2]],
            "paillier": ["modulusBits": 2048, "publicKeySHA256": LedgerFixture.hash("paillier").hexString],
            "verificationKeysSHA256": LedgerFixture.hash("verification keys").hexString,
            "privacyPolicy": ["epsilonPerInstitution": 10.0, "deltaPerInstitution": 1e-5],
        ]
        try DurableFile.write([UInt8](try JSONSerialization.data(withJSONObject: other)), to: kit + "/genesis.json")
        let foreign = VerifyCommand.run(["--ledger", ledger, "--kit", kit])
        #expect(foreign.exitCode == 1 && foreign.output.contains("entry 0") && foreign.output.contains("not the one in"), "\(foreign.output)")

        try FileManager.default.removeItem(atPath: kit + "/genesis.json")
        let missing = VerifyCommand.run(["--ledger", ledger, "--kit", kit])
        #expect(missing.exitCode == 1 && missing.output.contains("has no genesis.json"), "\(missing.output)")
    }

    @Test("entries awaiting co-signatures are listed as pending, in ranges, and counted by kind")
    func pending() throws {
        let path = LedgerFixture.temporaryPath("ledger.apl")
        defer { LedgerFixture.removeTemporaryDirectory(of: path) }
        let appender = try LedgerFixture.fullLedger(store: LedgerStore.open(path: path, create: true).store)
        for roundId in [UInt64(3), 4] {
            let commitment = try LedgerFixture.commitment(roundId: roundId, contributors: ["hospital-a", "hospital-c"],
                                                          after: appender.ledger, state: appender.state)
            try appender.append(.roundCommitment(commitment))
        }
        let text = VerifyCommand.run(["--ledger", path])
        #expect(text.exitCode == 0, "\(text.output)")
        #expect(text.output.contains("not yet final (awaiting signed heads): entries 7-8"), "\(text.output)")
        let json = VerifyCommand.run(["--ledger", path, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["pending_entries"] as? [Int] == [7, 8])
        #expect(object?["coordinator_heads"] as? Int == 9 && object?["cosignatures"] as? Int == 14)
        #expect(object?["update_signatures"] as? Int == 9 && object?["signatures"] as? Int == 32)
    }

    @Test("a flipped byte fails with exit 1 and names the entry; a torn tail is a failure, not repaired")
    func damage() throws {
        let (ledger, _) = try ledgerFile()
        defer { LedgerFixture.removeTemporaryDirectory(of: ledger) }
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
        defer { LedgerFixture.removeTemporaryDirectory(of: ledger) }
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
