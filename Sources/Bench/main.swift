import Foundation
import Shared

// apiary-bench: release-built benchmarks whose output goes to docs/PERFORMANCE.md.
let usage = """
Usage: apiary-bench <benchmark> [options]

Benchmarks (each accepts --help and --json):
  paillier     Paillier encryption, packing, decryption and homomorphic operations
  privacy      RDP accountant queries per second and calibration time
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
