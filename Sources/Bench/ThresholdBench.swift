import Foundation
import Shared

/// `apiary-bench threshold`: threshold Paillier key generation, partial decryption with and
/// without the batched proof, verification and combination, next to a plain-GMP reference.
enum ThresholdBench {
    static let usage = """
    Usage: apiary-bench threshold [--bits 2048] [--keygen-runs 5] [--count 64] [--json]

    Measures in one run, over a vector of --count ciphertexts (at least 64) and a 3-of-5 key:
    safe-prime key generation and dealing (median, min and max over --keygen-runs runs, the two
    prime searches in parallel), then single-threaded rates per ciphertext: bare partial
    decryptions c^(2 Delta s_i) mod n^2 (constant time), partial decryptions with the batched
    proof, proof verifications, combinations of t = 3 shares, and the reference
    ref_powm_share (GMP mpz_powm of a random ciphertext to an exponent as long as 2 Delta s_i,
    mod n^2); finally partial decryptions with proof on all cores.

    Options:
      --bits N           modulus size: 2048 (default), 3072, 4096; 1024 for a quick look
      --keygen-runs N    key generations to time (1...20, default 5)
      --count N          ciphertexts per vector (64...4096, default 64)
      --json             print one JSON object instead of the table
    """

    static func run(_ arguments: [String]) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) { return usage }
        let options = try CommandLineOptions(arguments, valued: ["bits", "keygen-runs", "count"], flags: ["json"])
        let bits = try options.int("bits", default: 2048)!
        try PaillierParameters.validate(modulusBits: bits)
        let keygenRuns = try options.int("keygen-runs", default: 5, in: 1...20)!
        let count = try options.int("count", default: 64, in: 64...4096)!
        let json = options.has("json")
        func progress(_ text: String) { if !json { FileHandle.standardError.write(Data((text + "\n").utf8)) } }

        var keygenTimes: [Double] = []
        var dealing: ThresholdDealing! = nil
        for run in 1...keygenRuns {
            progress("safe-prime key generation \(run)/\(keygenRuns) (\(bits)-bit)...")
            keygenTimes.append(BenchTimer.time { dealing = try! ThresholdDealer.deal(modulusBits: bits, parties: 5, threshold: 3) })
        }
        let key = dealing.publicKey
        let nSquared = key.paillier.nSquared
        let ciphertexts = try (0..<count).map { _ in try key.paillier.encrypt(BigUInt.random(below: key.paillier.n)) }
        let context = try DecryptionContext(roundId: "bench", aggregateHash: SHA256.hash(PaillierKeyCodec.encode(ciphertexts, key: key.paillier)))
        let partials = try dealing.shares.prefix(3).map { try $0.partiallyDecrypt(ciphertexts, context: context, threads: 1) }
        let verified = try partials.map { try key.verify($0, of: ciphertexts, context: context, threads: 1) }
        let referenceBase = ciphertexts.map(\.value)
        let exponentBits = key.decryptionExponentBits
        let referenceExponents = (0..<count).map { _ in BigUInt.random(bits: exponentBits - 1) + (BigUInt(1) << (exponentBits - 1)) }
        let share = dealing.shares[0]
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var sink = BigUInt()

        progress("timing (interleaved chunks, median of 5; rates per ciphertext)...")
        // Vector operations run whole vectors; their rates are multiplied by `count` below.
        let timer = BenchTimer()
        let rates = timer.rates([
            .init(name: "partial") { runs in
                for i in 0..<runs { sink = share.decryptionShare(of: ciphertexts[i % count]) }
            },
            .init(name: "ref_powm_share") { runs in
                for i in 0..<runs {
                    sink = GMPReference.powmDecryptionShare(ciphertext: referenceBase[i % count], exponent: referenceExponents[i % count], nSquared: nSquared)
                }
            },
            .init(name: "partial_with_proof") { runs in
                for _ in 0..<runs { sink = try! share.partiallyDecrypt(ciphertexts, context: context, threads: 1).proof.response }
            },
            .init(name: "verify") { runs in
                for _ in 0..<runs { sink = try! key.verify(partials[1], of: ciphertexts, context: context, threads: 1).partial.proof.challenge }
            },
            .init(name: "combine") { runs in
                for _ in 0..<runs { sink = try! key.combine(verified, threads: 1).plaintexts[0] }
            },
            .init(name: "partial_with_proof_all_cores") { runs in
                for _ in 0..<runs { sink = try! share.partiallyDecrypt(ciphertexts, context: context, threads: cores).proof.response }
            },
        ])
        _ = sink
        let perVector = Double(count)
        let sortedKeygen = keygenTimes.sorted()
        let figures: [(String, Double)] = [
            ("bits", Double(bits)),
            ("vector", perVector),
            ("keygen_s", BenchTimer.median(keygenTimes)),
            ("keygen_min_s", sortedKeygen.first!),
            ("keygen_max_s", sortedKeygen.last!),
            ("keygen_runs", Double(keygenRuns)),
            ("partial_per_s", rates["partial"]!),
            ("partial_with_proof_per_s", rates["partial_with_proof"]! * perVector),
            ("verify_per_s", rates["verify"]! * perVector),
            ("combine_per_s", rates["combine"]! * perVector),
            ("ref_powm_share_per_s", rates["ref_powm_share"]!),
            ("partial_with_proof_all_cores_per_s", rates["partial_with_proof_all_cores"]! * perVector),
        ]
        if json { return BenchReport.json(figures) }
        let lookup = Dictionary(uniqueKeysWithValues: figures)
        func ratio(_ a: String, _ b: String) -> String { String(format: "%.2fx", lookup[a]! / lookup[b]!) }
        var lines = ["Threshold Paillier, \(bits)-bit, 3-of-5, vectors of \(count), \(BenchReport.machine())", ""]
        lines += BenchReport.table(figures)
        let combineShare = lookup["partial_per_s"]! / lookup["combine_per_s"]! * 100
        lines += [
            "",
            "partial_with_proof / ref_powm_share   \(ratio("partial_with_proof_per_s", "ref_powm_share_per_s"))   (target >= 0.8x)",
            "partial (bare) / ref_powm_share       \(ratio("partial_per_s", "ref_powm_share_per_s"))   (constant time vs variable time)",
            String(format: "combine cost / partial cost          %.2f%%   (target <= 10%%)", combineShare),
            String(format: "keygen median                        %.1f s (min %.1f, max %.1f, %d runs; target <= 60 s)",
                   lookup["keygen_s"]!, lookup["keygen_min_s"]!, lookup["keygen_max_s"]!, keygenRuns),
            "all cores / one core (with proof)     \(ratio("partial_with_proof_all_cores_per_s", "partial_with_proof_per_s"))   (\(ProcessInfo.processInfo.activeProcessorCount) cores)",
        ]
        return lines.joined(separator: "\n")
    }
}
