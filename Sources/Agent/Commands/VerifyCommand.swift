import Foundation
import Shared

/// `apiary-agent verify --ledger PATH [--kit DIR] [--dataset FILE.csv] [--json]`: checks every hash,
/// signature, signed tree head, proof and invariant of a ledger file, and optionally a dataset file
/// against its publication entry. Never repairs anything. Exit codes: 0 verified, 1 a failure
/// (the first one, with its entry index and reason), 2 a usage error.
public enum VerifyCommand {
    /// The `--help` text.
    public static let usage = """
        Usage: apiary-agent verify --ledger PATH [--kit DIR] [--dataset FILE.csv [--datasheet FILE.json]] [--json]
               apiary-agent verify --coordinator URL --kit DIR [--dataset FILE.csv [--datasheet FILE.json]] [--json]

        Verifies a ledger: file checksums, entry encodings, the Merkle tree, every signed tree
        head (coordinator's and co-signatures) and update signature, finality (entries not yet
        covered by the coordinator's and t institutions' heads are listed as pending), privacy
        budgets and the credit invariants. With
        --dataset, also checks that the file is a published dataset (SHA-256, size, inclusion
        proof, epsilon, contributors). A torn or damaged file is reported, never repaired.

        Options:
          --ledger PATH        the ledger file to verify
          --coordinator URL    fetch the ledger from a running coordinator instead (https://HOST:PORT)
          --kit DIR            the kit whose genesis.json the ledger must begin with (checked in
                               both forms; without it the output says the genesis was not
                               checked); with --coordinator also the certificate to connect with
          --dataset FILE.csv   also verify this dataset file against its publication entry
          --datasheet FILE     with --dataset: also check the datasheet (JSON) against the hash
                               its publication entry records, and its epsilon, delta,
                               contributors, generator, rows and CSV hash against the entry
          --json               print the result as JSON
          --help               show this help

        Exit status: 0 verified, 1 verification failed (first failure printed with its entry
        index), 2 usage error.
        """

    /// Runs the command on its arguments (without the program and subcommand names).
    public static func run(_ arguments: [String]) -> (output: String, exitCode: Int32) {
        var ledgerPath: String?
        var coordinatorURL: String?
        var kitPath: String?
        var datasetPath: String?
        var datasheetPath: String?
        var json = false
        var remaining = arguments[...]
        func value(for flag: String) -> String? {
            guard let next = remaining.first, !next.hasPrefix("--") else { return nil }
            remaining = remaining.dropFirst()
            return next
        }
        while let argument = remaining.popFirst() {
            switch argument {
            case "--help", "-h": return (usage, 0)
            case "--json": json = true
            case "--ledger":
                guard let path = value(for: argument) else { return usageError("--ledger needs a path") }
                ledgerPath = path
            case "--dataset":
                guard let path = value(for: argument) else { return usageError("--dataset needs a file") }
                datasetPath = path
            case "--datasheet":
                guard let path = value(for: argument) else { return usageError("--datasheet needs a file") }
                datasheetPath = path
            case "--coordinator":
                guard let url = value(for: argument) else { return usageError("--coordinator needs a URL") }
                coordinatorURL = url
            case "--kit":
                guard let path = value(for: argument) else { return usageError("--kit needs a folder") }
                kitPath = path
            default:
                return usageError("unknown argument '\(argument)'")
            }
        }
        if ledgerPath != nil && coordinatorURL != nil { return usageError("give either --ledger or --coordinator, not both") }
        if datasheetPath != nil && datasetPath == nil { return usageError("--datasheet needs --dataset (the CSV it describes)") }
        let dataset: [UInt8]?, datasheet: [UInt8]?
        do {
            dataset = try datasetPath.map { try readFile($0, "dataset") }
            datasheet = try datasheetPath.map { try readFile($0, "datasheet") }
        } catch {
            return render(.failure(fault(error)), json: json)
        }
        if let coordinatorURL {
            guard let kitPath else { return usageError("--coordinator needs --kit DIR (the credentials to connect with)") }
            do {
                let (host, port) = try HTTPSClient.parse(url: coordinatorURL)
                let client = HTTPSClient(host: host, port: port, tls: try TLSContext(side: .client, credentials: try PartyKit.credentials(directory: kitPath)),
                                         timeout: 30, retry: RetryPolicy(attempts: 2, baseDelay: 0.5))
                let records = try LedgerClient(transport: client).records()
                if let mismatch = try genesisMismatch(records, kitPath: kitPath) { return render(.failure(mismatch), json: json) }
                return render(LedgerVerifier.verify(records: records, dataset: dataset, datasheet: datasheet), records: records, kitChecked: true,
                              datasheetChecked: datasheet != nil, json: json)
            } catch {
                return render(.failure(fault(error)), json: json)
            }
        }
        guard let ledgerPath else { return usageError("--ledger PATH is required") }
        let records: [LedgerRecord]
        do {
            records = try LedgerStore.readForVerification(path: ledgerPath)
        } catch {
            return render(.failure(error), json: json)
        }
        do {
            if let kitPath, let mismatch = try genesisMismatch(records, kitPath: kitPath) { return render(.failure(mismatch), json: json) }
        } catch {
            return render(.failure(fault(error)), json: json)
        }
        return render(LedgerVerifier.verify(records: records, dataset: dataset, datasheet: datasheet), records: records, kitChecked: kitPath != nil,
                      datasheetChecked: datasheet != nil, json: json)
    }

    private static func readFile(_ path: String, _ what: String) throws -> [UInt8] {
        guard let bytes = try DurableFile.read(path) else { throw ApiaryError(.notFound, "cannot read the \(what) file \(path)") }
        return bytes
    }

    /// A failure that concerns no entry (a file, the kit, the network).
    private static func fault(_ error: any Error) -> LedgerFault {
        (error as? ApiaryError).map { LedgerFault(entryIndex: nil, code: $0.code, reason: $0.reason) }
            ?? LedgerFault(entryIndex: nil, code: .io, reason: "\(error)")
    }

    /// A fault if the ledger does not begin with the genesis entry of the kit's genesis.json.
    /// Why: every signature in a ledger is checked against keys its own genesis declares, so a
    /// ledger forged end to end with other keys verifies; only the kit, received at the key
    /// ceremony, anchors it to this consortium.
    static func genesisMismatch(_ records: [LedgerRecord], kitPath: String) throws -> LedgerFault? {
        let file = kitPath + "/" + KitLayout.genesis
        guard let genesisBytes = try DurableFile.read(file) else {
            throw ApiaryError(.notFound, "the kit \(kitPath) has no \(KitLayout.genesis) to check the ledger's genesis against")
        }
        let description = try JSONDecoder().decode(GenesisDescription.self, from: Data(genesisBytes))
        let expected = LedgerEntry.genesis(try GenesisEntry(description: description)).encoded()
        guard let first = records.first, first.type == .entry, first.payload == expected else {
            return LedgerFault(entryIndex: 0, code: .forkDetected,
                               reason: "the ledger's genesis is not the one in \(file) (another consortium, or a ledger forged with other keys)")
        }
        return nil
    }

    /// SHA-256 of the genesis entry's encoding, for comparing by hand when no kit was given.
    static func genesisDigest(_ records: [LedgerRecord]) -> String? {
        guard let first = records.first, first.type == .entry else { return nil }
        return SHA256.hash(first.payload).hexString
    }

    private static func usageError(_ message: String) -> (output: String, exitCode: Int32) {
        ("error: \(message)\n\n\(usage)", 2)
    }

    private static func render(_ result: Result<LedgerVerificationReport, LedgerFault>, records: [LedgerRecord] = [], kitChecked: Bool = false,
                               datasheetChecked: Bool = false, json: Bool) -> (output: String, exitCode: Int32) {
        switch result {
        case .success(let report):
            let digest = genesisDigest(records) ?? ""
            if json {
                var object: [String: Any] = [
                    "genesis_sha256": digest, "genesis_checked_against_kit": kitChecked,
                    "verified": true, "entries": report.entryCount, "tree_size": Int(report.head.size), "root": report.head.root.hexString,
                    "signed_heads": report.signedHeadCount, "coordinator_heads": report.coordinatorHeadCount,
                    "cosignatures": report.cosignatureCount, "update_signatures": report.updateSignatureCount,
                    "signatures": report.signatureCount,
                    "pending_entries": report.pendingEntries, "minted_credits": report.mintedCredits,
                    "burned_credits": report.burnedCredits, "balances": report.balances,
                ]
                if let dataset = report.dataset {
                    object["dataset"] = ["entry_index": dataset.entryIndex, "dataset_id": dataset.datasetId, "datasheet_checked": datasheetChecked]
                }
                return (jsonText(object), 0)
            }
            var lines = ["verified: \(report.entryCount) entries, \(report.signatureCount) signatures (\(report.coordinatorHeadCount) coordinator heads, \(report.cosignatureCount) co-signatures, \(report.updateSignatureCount) update signatures)",
                         "tree head: size \(report.head.size), root \(report.head.root.hexString)",
                         "credits: minted \(report.mintedCredits), burned \(report.burnedCredits), balances sum to minted - burned"]
            lines.append(report.pendingEntries.isEmpty ? "all entries final"
                         : "not yet final (awaiting signed heads): entries \(ranges(report.pendingEntries))")
            if let dataset = report.dataset {
                lines.append("dataset '\(dataset.datasetId)' matches its publication entry \(dataset.entryIndex)"
                             + (datasheetChecked ? ", and so does its datasheet" : " (datasheet not checked: pass --datasheet FILE)"))
            }
            lines.append(kitChecked ? "genesis: the kit's (SHA-256 of the genesis entry \(digest))"
                         : "genesis: NOT checked against a kit (SHA-256 of the genesis entry \(digest)); pass --kit DIR, or compare this digest with the consortium's, since a ledger forged with other keys verifies on its own")
            return (lines.joined(separator: "\n"), 0)
        case .failure(let fault):
            if json {
                return (jsonText(["verified": false, "entry_index": fault.entryIndex.map { $0 as Any } ?? NSNull(),
                                  "code": fault.code.name, "reason": fault.reason]), 1)
            }
            return ("verification failed: \(fault.description)", 1)
        }
    }

    /// "3, 7-9, 12": consecutive indices folded, since pending entries come in runs.
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var position = 0
        while position < indices.count {
            var end = position
            while end + 1 < indices.count && indices[end + 1] == indices[end] + 1 { end += 1 }
            parts.append(end == position ? "\(indices[position])" : "\(indices[position])-\(indices[end])")
            position = end + 1
        }
        return parts.joined(separator: ", ")
    }

    private static func jsonText(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
