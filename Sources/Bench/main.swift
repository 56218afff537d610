import Foundation
import Shared

// apiary-bench: release-built benchmarks whose output goes to docs/PERFORMANCE.md.
let usage = """
Usage: apiary-bench <benchmark> [options]

Benchmarks (each accepts --help and --json):
  paillier     Paillier encryption, packing, decryption and homomorphic operations
  threshold    threshold Paillier: safe-prime keygen, partial decryption with proofs, verification, combination
  privacy      RDP accountant queries per second and calibration time
  ledger       ledger append+fsync, 100k-entry verification, Ed25519 rate, inclusion proofs
  round        whole rounds, all parties in one process: wall time, per-party CPU, crypto floor, coordinator memory
"""

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, name != "--help", name != "-h" else {
    print(usage)
    exit(arguments.isEmpty ? 2 : 0)
}
do {
    let rest = Array(arguments.dropFirst())
    switch name {
    case "paillier": print(try PaillierBench.run(rest))
    case "threshold": print(try ThresholdBench.run(rest))
    case "round": print(try RoundBench.run(rest))
    case "ledger":
        if CommandLineOptions.wantsHelp(rest) {
            print("Usage: apiary-bench ledger [--json] [--dir DIR]\n\nMeasures append+fsync/s through LedgerAppender (sequential, and 8 concurrent appenders with group commit), verification of a 100,000-entry ledger shaped like a consortium run (its composition and signature counts are printed), single-core Ed25519 verifications/s, and inclusion proof generation+verification (us). DIR (default: a temporary folder) holds the files.")
        } else {
            let options = try CommandLineOptions(rest, valued: ["dir"], flags: ["json"])
            let directory = options.string("dir") ?? NSTemporaryDirectory() + "apiary-ledger-bench-\(getpid())"
            try DurableFile.makeDirectory(directory)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            print(try LedgerBench.run(json: options.has("json"), directory: directory))
        }
    case "privacy":
        if CommandLineOptions.wantsHelp(rest) {
            print("Usage: apiary-bench privacy [--json]\n\nMeasures accountant queries/s (T-step subsampled Gaussian on the default order grid plus conversion) and calibration time.")
        } else {
            let options = try CommandLineOptions(rest, valued: [], flags: ["json"])
            print(PrivacyBench.run(json: options.has("json")))
        }
    default:
        FileHandle.standardError.write(Data("apiary-bench: unknown benchmark '\(name)'\n\n\(usage)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("apiary-bench: \(error)\n".utf8))
    exit(2)
}
