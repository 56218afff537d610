import Foundation
import Shared

/// `apiary-bench paillier`: Paillier and packing throughput next to plain-GMP references.
enum PaillierBench {
    static let usage = """
    Usage: apiary-bench paillier [--bits 2048] [--json]

    Measures, single-threaded and in one run: key generation, encryptions/s (DJN fixed-base),
    packed values/s (16-bit values, headroom for 1,000 summands), CRT decryptions/s, ciphertext
    additions/s, scalar multiplications/s (63-bit scalars), and three references done with GMP
    directly: r^n mod n^2, textbook CRT decryption, multiply-then-reduce mod n^2.

    Options:
      --bits N    modulus size: 2048 (default), 3072, 4096; 1024 for a quick look
      --json      print one JSON object instead of the table
    """

    static func run(_ arguments: [String]) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) { return usage }
        let options = try CommandLineOptions(arguments, valued: ["bits"], flags: ["json"])
        let bits = try options.int("bits", default: 2048)!
        try PaillierParameters.validate(modulusBits: bits)
        let json = options.has("json")
        func progress(_ text: String) { if !json { FileHandle.standardError.write(Data((text + "\n").utf8)) } }

        progress("generating \(bits)-bit keys (3 runs)...")
        var keygenTimes: [Double] = []
        var key: PaillierPrivateKey! = nil
        for _ in 0..<3 {
            keygenTimes.append(BenchTimer.time { key = try! PaillierKeyGenerator.generate(modulusBits: bits) })
        }
        let publicKey = key.publicKey
        let tableSeconds = BenchTimer.time { _ = publicKey.fixedBaseTableBytes }
        let tableBytes = publicKey.fixedBaseTableBytes

        let n = publicKey.n, nSquared = publicKey.nSquared
        let plaintexts = (0..<64).map { _ in BigUInt.random(below: n) }
        let ciphertexts = try plaintexts.map { try publicKey.encrypt($0) }
        let randomUnits = (0..<64).map { _ in BigUInt.randomUnit(modulo: n) }
        let scalars = (0..<64).map { _ in BigUInt.random(bits: 63) }
        let reference = key.referenceDecryptor
        let layout = try PackingLayout(valueBits: 16, maxSummands: 1000, modulusBits: bits)
        let codec = try PackedCodec(layout: layout, encoding: .signedInteger)
        let slots = layout.slotsPerPlaintext
        let values: [Int64] = (0..<slots).map { _ in Int64(SystemRandom().uniform(below: 65535)) - 32767 }
        var sink = BigUInt()

        progress("timing (interleaved chunks, median of 5)...")
        let timer = BenchTimer()
        let rates = timer.rates([
            .init(name: "encrypt") { count in
                for i in 0..<count { sink = try! publicKey.encrypt(plaintexts[i & 63]).value }
            },
            .init(name: "packed") { count in
                // One op = packing one plaintext's worth of values and encrypting it.
                for _ in 0..<count {
                    let packed = try! codec.encode(integers: values)
                    sink = try! publicKey.encrypt(packed[0]).value
                }
            },
            .init(name: "ref_powm_rn") { count in
                for i in 0..<count { sink = GMPReference.powmRn(r: randomUnits[i & 63], n: n, nSquared: nSquared) }
            },
            .init(name: "decrypt") { count in
                for i in 0..<count { sink = key.decrypt(ciphertexts[i & 63]) }
            },
            .init(name: "ref_crt_decrypt") { count in
                for i in 0..<count { sink = reference.decrypt(ciphertexts[i & 63].value) }
            },
            .init(name: "add") { count in
                for i in 0..<count { sink = publicKey.add(ciphertexts[i & 63], ciphertexts[(i + 1) & 63]).value }
            },
            .init(name: "ref_mulmod") { count in
                for i in 0..<count { sink = GMPReference.mulmod(ciphertexts[i & 63].value, ciphertexts[(i + 1) & 63].value, modulus: nSquared) }
            },
            .init(name: "scalar_mul") { count in
                for i in 0..<count { sink = publicKey.multiply(ciphertexts[i & 63], by: scalars[i & 63]).value }
            },
        ])
        _ = sink
        let figures: [(String, Double)] = [
            ("bits", Double(bits)),
            ("keygen_s", BenchTimer.median(keygenTimes)),
            ("table_build_s", tableSeconds),
            ("table_mb", Double(tableBytes) / 1_048_576),
            ("encrypt_per_s", rates["encrypt"]!),
            ("packed_values_per_s", rates["packed"]! * Double(slots)),
            ("decrypt_per_s", rates["decrypt"]!),
            ("add_per_s", rates["add"]!),
            ("scalar_mul_per_s", rates["scalar_mul"]!),
            ("ref_powm_rn_per_s", rates["ref_powm_rn"]!),
            ("ref_crt_decrypt_per_s", rates["ref_crt_decrypt"]!),
            ("ref_mulmod_per_s", rates["ref_mulmod"]!),
        ]
        if json { return BenchReport.json(figures) }
        let lookup = Dictionary(uniqueKeysWithValues: figures)
        func ratio(_ a: String, _ b: String) -> String { String(format: "%.2fx", lookup[a]! / lookup[b]!) }
        var lines = ["Paillier, \(bits)-bit, single core, \(BenchReport.machine())", ""]
        lines += BenchReport.table(figures)
        lines += [
            "",
            "encrypt / ref_powm_rn            \(ratio("encrypt_per_s", "ref_powm_rn_per_s"))   (target >= 35x)",
            "packed values / encrypt          \(ratio("packed_values_per_s", "encrypt_per_s"))   (target >= 60x; \(slots) slots of \(layout.slotWidth) bits)",
            "decrypt / ref_crt_decrypt        \(ratio("decrypt_per_s", "ref_crt_decrypt_per_s"))   (target >= 0.9x)",
            "add / ref_mulmod                 \(ratio("add_per_s", "ref_mulmod_per_s"))   (target >= 0.9x)",
            String(format: "fixed-base table                 %.1f MB built in %.2f s (target <= 16 MB, < 1 s)", Double(tableBytes) / 1_048_576, tableSeconds),
        ]
        return lines.joined(separator: "\n")
    }
}
