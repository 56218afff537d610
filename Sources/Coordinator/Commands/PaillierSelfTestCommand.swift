import Foundation
import Shared

/// `apiary-coordinator paillier-selftest`: prints a fresh key and sample ciphertexts as JSON
/// lines, for the development cross-check with python-paillier
/// (scripts/dev/crosscheck_python_paillier.py). It prints the private key's primes: a
/// throw-away key made for this purpose only, never a consortium key.
public enum PaillierSelfTestCommand {
    public static let usage = """
    Usage: apiary-coordinator paillier-selftest [--bits 1024] [--count 20]

    Generates a throw-away Paillier key and prints, as JSON lines: the key (p, q, n, h_s in hex),
    then per sample the plaintext m, its textbook encryption c with randomness r, and its DJN
    encryption c_djn, then the sum of the plaintexts modulo n. For cross-checking with other
    implementations during development; the key is printed and must not be used for anything else.

    Options:
      --bits N     modulus size (default 1024)
      --count K    number of samples (default 20)
    """

    public static func run(_ arguments: [String]) throws -> String {
        if CommandLineOptions.wantsHelp(arguments) { return usage }
        let options = try CommandLineOptions(arguments, valued: ["bits", "count"], flags: [])
        let bits = try options.int("bits", default: 1024)!
        let count = try options.int("count", default: 20, in: 1...10_000)!
        let key = try PaillierKeyGenerator.generate(modulusBits: bits)
        let publicKey = key.publicKey
        var lines = [json(["p": key.factors.p.hex, "q": key.factors.q.hex, "n": publicKey.n.hex, "hs": publicKey.hs.hex])]
        var sum = BigUInt()
        for _ in 0..<count {
            let m = BigUInt.random(below: publicKey.n)
            let r = BigUInt.randomUnit(modulo: publicKey.n)
            let textbook = try publicKey.encrypt(m, r: r)
            let djn = try publicKey.encrypt(m)
            sum = (sum + m) % publicKey.n
            lines.append(json(["m": m.hex, "r": r.hex, "c": textbook.value.hex, "c_djn": djn.value.hex]))
        }
        lines.append(json(["sum": sum.hex]))
        return lines.joined(separator: "\n")
    }

    private static func json(_ fields: [String: String]) -> String {
        "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ") + "}"
    }
}
